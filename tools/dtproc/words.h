/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dtproc CLI: -c CMD split into words, as dtrace -c does, to be exec'd
 * directly (no shell).  Quoting as a POSIX shell's, without expansions:
 * '...' takes everything literally; "..." too, except that a backslash
 * before \ " $ ` or a newline escapes it; outside quotes a backslash
 * escapes the next character; blanks (space, tab, newline) separate words.
 */
#ifndef DTPROC_WORDS_H
#define DTPROC_WORDS_H

#include <stddef.h>

/*
 * Split @line into a NULL-terminated vector (*@argvp, one allocation, free
 * it with free()).  Returns the number of words (0 for a blank line), or
 * -1 with a message in @err (an unterminated quote, a trailing backslash)
 * or errno ENOMEM.
 */
int words_split(const char *line, char ***argvp, char *err, size_t errlen);

#endif /* DTPROC_WORDS_H */
