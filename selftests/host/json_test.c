// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side tests of libdtproc's dtproc_event_json() and probe names: no
 * kernel module needed.  Every line produced is checked by a strict JSON
 * (RFC 8259) validator below, and by python3's json module when present.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <dtproc.h>

#include "harness.h"

/* --- a strict JSON validator: the whole of @s must be one value --- */

struct jv {
	const unsigned char	*p;
	int			depth;
};

static bool jv_value(struct jv *v);

static void jv_ws(struct jv *v)
{
	while (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r')
		v->p++;
}

static bool jv_lit(struct jv *v, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp((const char *)v->p, lit, n))
		return false;
	v->p += n;
	return true;
}

static bool jv_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* A UTF-8 sequence at v->p: well-formed, shortest form, no surrogates. */
static bool jv_utf8(struct jv *v)
{
	const unsigned char *s = v->p;
	uint32_t cp, min;
	int len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return false;
	cp = s[0] & (0x7f >> len);
	min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return false;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	v->p += len;
	return true;
}

static bool jv_string(struct jv *v)
{
	if (*v->p++ != '"')
		return false;
	for (;;) {
		unsigned char c = *v->p;

		if (c == '"') {
			v->p++;
			return true;
		}
		if (c < 0x20)		/* control characters, and the end */
			return false;
		if (c == '\\') {
			c = v->p[1];
			if (c == 'u') {
				if (!jv_hex(v->p[2]) || !jv_hex(v->p[3]) ||
				    !jv_hex(v->p[4]) || !jv_hex(v->p[5]))
					return false;
				v->p += 6;
			} else if (c && strchr("\"\\/bfnrt", c)) {
				v->p += 2;
			} else {
				return false;
			}
		} else if (c < 0x80) {
			v->p++;
		} else if (!jv_utf8(v)) {
			return false;
		}
	}
}

static bool jv_number(struct jv *v)
{
	if (*v->p == '-')
		v->p++;
	if (*v->p == '0') {
		v->p++;
	} else if (*v->p >= '1' && *v->p <= '9') {
		while (*v->p >= '0' && *v->p <= '9')
			v->p++;
	} else {
		return false;
	}
	if (*v->p == '.') {
		v->p++;
		if (!(*v->p >= '0' && *v->p <= '9'))
			return false;
		while (*v->p >= '0' && *v->p <= '9')
			v->p++;
	}
	if (*v->p == 'e' || *v->p == 'E') {
		v->p++;
		if (*v->p == '+' || *v->p == '-')
			v->p++;
		if (!(*v->p >= '0' && *v->p <= '9'))
			return false;
		while (*v->p >= '0' && *v->p <= '9')
			v->p++;
	}
	return true;
}

static bool jv_container(struct jv *v, char open, char close, bool object)
{
	if (*v->p++ != open || ++v->depth > 64)
		return false;
	jv_ws(v);
	if (*v->p == close) {
		v->p++;
		v->depth--;
		return true;
	}
	for (;;) {
		jv_ws(v);
		if (object) {
			if (!jv_string(v))
				return false;
			jv_ws(v);
			if (*v->p++ != ':')
				return false;
		}
		if (!jv_value(v))
			return false;
		jv_ws(v);
		if (*v->p == ',') {
			v->p++;
			continue;
		}
		if (*v->p++ != close)
			return false;
		v->depth--;
		return true;
	}
}

static bool jv_value(struct jv *v)
{
	jv_ws(v);
	switch (*v->p) {
	case '{':
		return jv_container(v, '{', '}', true);
	case '[':
		return jv_container(v, '[', ']', false);
	case '"':
		return jv_string(v);
	case 't':
		return jv_lit(v, "true");
	case 'f':
		return jv_lit(v, "false");
	case 'n':
		return jv_lit(v, "null");
	default:
		return jv_number(v);
	}
}

static bool json_valid(const char *s)
{
	struct jv v = { .p = (const unsigned char *)s };

	if (!jv_value(&v))
		return false;
	jv_ws(&v);
	return *v.p == '\0';
}

/* --- events --- */

#define CTX_JSON \
	"{\"seq\":7,\"ts\":123456789012,\"cpu\":3,\"probe\":\"%s\"," \
	"\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000," \
	"\"execname\":\"bash\",\"args\":"

#define PSINFO_JSON \
	"{\"pr_pid\":200,\"pr_ppid\":100,\"pr_pgid\":199,\"pr_sid\":50," \
	"\"pr_uid\":1000,\"pr_euid\":0,\"pr_gid\":100,\"pr_egid\":4294967295," \
	"\"pr_nlwp\":2,\"pr_fname\":\"sleep\",\"pr_psargs\":\"sleep 10\"," \
	"\"pr_argc\":2,\"pr_start\":1700000000123456789,\"pr_dmodel\":2}"

#define LWPSINFO_JSON \
	"{\"pr_lwpid\":201,\"pr_flag\":16,\"pr_sname\":\"S\",\"pr_state\":1," \
	"\"pr_nice\":-5,\"pr_pri\":60,\"pr_syscall\":230," \
	"\"pr_clname\":\"TS\",\"pr_onpro\":1}"

#define SIGINFO_JSON \
	"{\"si_signo\":11,\"si_code\":1,\"si_errno\":4,\"si_pid\":-3," \
	"\"si_uid\":1001,\"si_addr\":18446744073709551615,\"si_status\":7}"

/* An event of @probe with every member set; other bytes are @pad. */
static void fill_pad(struct dtproc_event *ev, int probe, int pad)
{
	memset(ev, pad, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->kind = DTPROC_EVENT_PROBE;
	ev->seq = 7;
	ev->probe = probe;
	ev->ts = 123456789012ULL;
	ev->cpu = 3;
	ev->pid = 100;
	ev->tid = 101;
	ev->ppid = 1;
	ev->uid = 1000;
	strcpy(ev->execname, "bash");

	ev->psinfo.pr_pid = 200;
	ev->psinfo.pr_ppid = 100;
	ev->psinfo.pr_pgid = 199;
	ev->psinfo.pr_sid = 50;
	ev->psinfo.pr_uid = 1000;
	ev->psinfo.pr_euid = 0;
	ev->psinfo.pr_gid = 100;
	ev->psinfo.pr_egid = UINT32_MAX;
	ev->psinfo.pr_nlwp = 2;
	ev->psinfo.pr_argc = 2;
	ev->psinfo.pr_start = 1700000000123456789ULL;
	ev->psinfo.pr_dmodel = DTPROC_MODEL_LP64;
	strcpy(ev->psinfo.pr_fname, "sleep");
	strcpy(ev->psinfo.pr_psargs, "sleep 10");

	ev->lwpsinfo.pr_lwpid = 201;
	ev->lwpsinfo.pr_flag = DTPROC_PR_ASLEEP;
	ev->lwpsinfo.pr_sname = 'S';
	ev->lwpsinfo.pr_state = DTPROC_SSLEEP;
	ev->lwpsinfo.pr_nice = -5;
	ev->lwpsinfo.pr_pri = 60;
	ev->lwpsinfo.pr_syscall = 230;
	ev->lwpsinfo.pr_onpro = 1;
	strcpy(ev->lwpsinfo.pr_clname, "TS");

	ev->siginfo.signo = 11;
	ev->siginfo.code = 1;
	ev->siginfo.errnum = 4;
	ev->siginfo.pid = -3;
	ev->siginfo.uid = 1001;
	ev->siginfo.status = 7;
	ev->siginfo.addr = UINT64_MAX;

	ev->signo = 15;
	ev->err = 2;
	ev->exit_reason = DTPROC_CLD_KILLED;
	ev->exit_status = 9;
	ev->fault = DTPROC_FLTBOUNDS;
	ev->handler = 0x401136;
	strcpy(ev->path, "/usr/bin/sleep");
	ev->has = DTPROC_HAS_PSINFO | DTPROC_HAS_LWPSINFO | DTPROC_HAS_SIGINFO;
}

static void fill(struct dtproc_event *ev, int probe)
{
	fill_pad(ev, probe, 0);
}

/* Encode @ev, check the result is valid JSON and return it (static). */
static const char *to_json(const struct dtproc_event *ev)
{
	static char buf[8192];
	int n = dtproc_event_json(ev, buf, sizeof(buf));

	if (n < 0 || (size_t)n >= sizeof(buf) || strlen(buf) != (size_t)n)
		DT_FAIL(1, "dtproc_event_json returned %d for \"%s\"", n, buf);
	if (!json_valid(buf))
		DT_FAIL(1, "not valid JSON: %s", buf);
	return buf;
}

static void expect_probe(int probe, const char *args)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	char want[4096];

	fill(&ev, probe);
	snprintf(want, sizeof(want), CTX_JSON "%s}", dtproc_probe_name(probe),
		 args);
	ASSERT_STREQ(to_json(&ev), want);
}

TEST(probe_names)
{
	static const char *const names[] = {
		"create", "exec", "exec-success", "exec-failure", "exit",
		"fault", "lwp-create", "lwp-start", "lwp-exit", "signal-send",
		"signal-discard", "signal-handle", "signal-clear", "start",
	};
	char full[64];
	int i;

	ASSERT_EQ(sizeof(names) / sizeof(names[0]), DTPROC_PROBE_COUNT);
	for (i = 0; i < DTPROC_PROBE_COUNT; i++) {
		ASSERT_STREQ(dtproc_probe_name(i), names[i]);
		EXPECT_EQ(dtproc_probe_id(names[i]), i);
		snprintf(full, sizeof(full), "proc:::%s", names[i]);
		EXPECT_EQ(dtproc_probe_id(full), i);
		snprintf(full, sizeof(full), "proc::%s", names[i]);
		EXPECT_EQ(dtproc_probe_id(full), i);
	}
	EXPECT_TRUE(dtproc_probe_name(-1) == NULL);
	EXPECT_TRUE(dtproc_probe_name(DTPROC_PROBE_COUNT) == NULL);
	EXPECT_EQ(DTPROC_PROBE_START, 13);
}

TEST(probe_id_rejects)
{
	static const char *const bad[] = {
		"", "proc:::", "exec-", "Exec", "exec ", "syscall:::exec",
		"proc::::exec", "proc:exec", "lwp_start", "drop",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT_EQ(dtproc_probe_id(bad[i]), -EINVAL);
	EXPECT_EQ(dtproc_probe_id(NULL), -EINVAL);

	ASSERT_EQ(dtproc_probe_id("bogus"), -EINVAL);
	EXPECT_TRUE(strstr(dtproc_errmsg(), "unknown probe 'bogus'") != NULL);
	EXPECT_TRUE(strstr(dtproc_errmsg(),
			   "valid probes are create, exec, exec-success, "
			   "exec-failure, exit, fault, lwp-create, lwp-start, "
			   "lwp-exit, signal-send, signal-discard, "
			   "signal-handle, signal-clear, start") != NULL);
}

TEST(json_every_probe)
{
	expect_probe(DTPROC_PROBE_CREATE, "{\"child\":" PSINFO_JSON "}");
	expect_probe(DTPROC_PROBE_EXEC, "{\"path\":\"/usr/bin/sleep\"}");
	expect_probe(DTPROC_PROBE_EXEC_SUCCESS, "{}");
	expect_probe(DTPROC_PROBE_EXEC_FAILURE, "{\"errno\":2}");
	expect_probe(DTPROC_PROBE_EXIT, "{\"reason\":2,\"status\":9}");
	expect_probe(DTPROC_PROBE_FAULT,
		     "{\"fault\":6,\"siginfo\":" SIGINFO_JSON "}");
	expect_probe(DTPROC_PROBE_LWP_CREATE,
		     "{\"lwp\":" LWPSINFO_JSON ",\"proc\":" PSINFO_JSON "}");
	expect_probe(DTPROC_PROBE_LWP_START, "{}");
	expect_probe(DTPROC_PROBE_LWP_EXIT, "{}");
	expect_probe(DTPROC_PROBE_SIGNAL_SEND,
		     "{\"lwp\":" LWPSINFO_JSON ",\"proc\":" PSINFO_JSON
		     ",\"signo\":15}");
	expect_probe(DTPROC_PROBE_SIGNAL_DISCARD,
		     "{\"lwp\":" LWPSINFO_JSON ",\"proc\":" PSINFO_JSON
		     ",\"signo\":15}");
	expect_probe(DTPROC_PROBE_SIGNAL_HANDLE,
		     "{\"signo\":15,\"siginfo\":" SIGINFO_JSON
		     ",\"handler\":4198710}");
	expect_probe(DTPROC_PROBE_SIGNAL_CLEAR, "{\"signo\":15}");
	expect_probe(DTPROC_PROBE_START, "{}");
}

TEST(json_signal_handle_without_siginfo)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	char want[1024];

	fill(&ev, DTPROC_PROBE_SIGNAL_HANDLE);
	ev.has &= ~DTPROC_HAS_SIGINFO;
	snprintf(want, sizeof(want), CTX_JSON "%s}", "signal-handle",
		 "{\"signo\":15,\"siginfo\":null,\"handler\":4198710}");
	ASSERT_STREQ(to_json(&ev), want);
}

TEST(json_drop)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;

	fill(&ev, DTPROC_PROBE_EXEC);
	ev.kind = DTPROC_EVENT_DROP;
	ev.seq = 41;
	ev.dropped = 18446744073709551615ULL;
	ASSERT_STREQ(to_json(&ev),
		     "{\"seq\":41,\"probe\":\"drop\",\"dropped\":18446744073709551615}");
}

TEST(json_extreme_numbers)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	const char *s;

	fill(&ev, DTPROC_PROBE_EXIT);
	ev.seq = UINT64_MAX;
	ev.ts = UINT64_MAX;
	ev.cpu = UINT32_MAX;
	ev.pid = INT32_MIN;
	ev.tid = INT32_MAX;
	ev.ppid = -1;
	ev.uid = UINT32_MAX;
	ev.exit_reason = INT32_MIN;
	ev.exit_status = -1;
	s = to_json(&ev);
	ASSERT_STREQ(s,
		     "{\"seq\":18446744073709551615,\"ts\":18446744073709551615,"
		     "\"cpu\":4294967295,\"probe\":\"exit\",\"pid\":-2147483648,"
		     "\"tid\":2147483647,\"ppid\":-1,\"uid\":4294967295,"
		     "\"execname\":\"bash\",\"args\":{\"reason\":-2147483648,"
		     "\"status\":-1}}");
}

/* An unknown probe number still gives valid JSON. */
TEST(json_unknown_probe)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;

	fill(&ev, DTPROC_PROBE_COUNT);
	EXPECT_TRUE(strstr(to_json(&ev), "\"probe\":\"unknown\"") != NULL);
	fill(&ev, -1);
	EXPECT_TRUE(strstr(to_json(&ev), "\"args\":{}}") != NULL);
}

/* The execname of an exec event holding @bytes, as JSON. */
static void expect_execname(const char *bytes, const char *want)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	char w[256];

	fill(&ev, DTPROC_PROBE_EXEC_SUCCESS);
	memset(ev.execname, 0, sizeof(ev.execname));
	memcpy(ev.execname, bytes, strnlen(bytes, sizeof(ev.execname)));
	snprintf(w, sizeof(w), "\"execname\":\"%s\",", want);
	if (!strstr(to_json(&ev), w))
		DT_FAIL(0, "%s does not hold %s", to_json(&ev), w);
}

TEST(json_escaping)
{
	expect_execname("a\"b\\c", "a\\\"b\\\\c");
	expect_execname("\n\t\r\x01\x1f", "\\u000a\\u0009\\u000d\\u0001\\u001f");
	expect_execname("del\x7f", "del\\u007f");
	expect_execname("/ok/", "/ok/");
	/* Valid UTF-8 passes through: é, €, U+1F600 */
	expect_execname("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
			"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* Not UTF-8: each byte as \u00XX */
	expect_execname("\xff\xfe", "\\u00ff\\u00fe");
	expect_execname("\x80x", "\\u0080x");			/* lone continuation */
	expect_execname("\xc0\xaf", "\\u00c0\\u00af");		/* overlong '/' */
	expect_execname("\xe0\x80\xaf", "\\u00e0\\u0080\\u00af");	/* overlong */
	expect_execname("\xed\xa0\x80", "\\u00ed\\u00a0\\u0080");	/* surrogate */
	expect_execname("\xf4\x90\x80\x80",
			"\\u00f4\\u0090\\u0080\\u0080");	/* > U+10FFFF */
	expect_execname("\xf5\x80", "\\u00f5\\u0080");
	expect_execname("ab\xe2\x82", "ab\\u00e2\\u0082");	/* cut short */
	expect_execname("\xc3(", "\\u00c3(");
}

/* A multi-byte character cut by the end of its array is not UTF-8. */
TEST(json_utf8_cut_by_array_end)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;

	fill(&ev, DTPROC_PROBE_EXEC_SUCCESS);
	memset(ev.execname, 'a', sizeof(ev.execname));
	ev.execname[14] = '\xc3';
	ev.execname[15] = '\xa9';
	EXPECT_TRUE(strstr(to_json(&ev),
			   "\"execname\":\"aaaaaaaaaaaaaa\xc3\xa9\"") != NULL);
	ev.execname[15] = '\xe2';
	ev.execname[14] = 'a';
	EXPECT_TRUE(strstr(to_json(&ev),
			   "\"execname\":\"aaaaaaaaaaaaaaa\\u00e2\"") != NULL);
}

/*
 * Strings filling their arrays have no NUL: never read past the array.
 * What follows each array (the next member or padding) is not NUL either.
 */
TEST(json_unterminated_strings)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	char want[512], fname[DTPROC_FNAME_LEN + 1];
	char psargs[DTPROC_PSARGS_LEN + 1], path[DTPROC_PATH_LEN + 1];
	const char *s;

	fill_pad(&ev, DTPROC_PROBE_CREATE, 'Z');
	memset(ev.execname, 'E', sizeof(ev.execname));
	memset(ev.psinfo.pr_fname, 'F', sizeof(ev.psinfo.pr_fname));
	memset(ev.psinfo.pr_psargs, 'P', sizeof(ev.psinfo.pr_psargs));
	s = to_json(&ev);

	memset(fname, 'F', DTPROC_FNAME_LEN);
	fname[DTPROC_FNAME_LEN] = '\0';
	memset(psargs, 'P', DTPROC_PSARGS_LEN);
	psargs[DTPROC_PSARGS_LEN] = '\0';
	EXPECT_TRUE(strstr(s, "\"execname\":\"EEEEEEEEEEEEEEEE\",") != NULL);
	snprintf(want, sizeof(want), "\"pr_fname\":\"%s\",", fname);
	EXPECT_TRUE(strstr(s, want) != NULL);
	snprintf(want, sizeof(want), "\"pr_psargs\":\"%s\",", psargs);
	EXPECT_TRUE(strstr(s, want) != NULL);
	EXPECT_TRUE(strchr(s, 'Z') == NULL);

	fill_pad(&ev, DTPROC_PROBE_EXEC, 'Z');
	memset(ev.path, '/', sizeof(ev.path));
	memset(path, '/', DTPROC_PATH_LEN);
	path[DTPROC_PATH_LEN] = '\0';
	snprintf(want, sizeof(want), "{\"path\":\"%s\"}}", path);
	s = to_json(&ev);
	EXPECT_TRUE(strstr(s, want) != NULL);
	EXPECT_TRUE(strchr(s, 'Z') == NULL);

	fill_pad(&ev, DTPROC_PROBE_LWP_CREATE, 'Z');
	memset(ev.lwpsinfo.pr_clname, 'C', sizeof(ev.lwpsinfo.pr_clname));
	s = to_json(&ev);
	EXPECT_TRUE(strstr(s, "\"pr_clname\":\"CCCCCCCC\",\"pr_onpro\":1}") != NULL);
	EXPECT_TRUE(strchr(s, 'Z') == NULL);
}

TEST(json_sname)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;

	fill(&ev, DTPROC_PROBE_SIGNAL_SEND);
	ev.lwpsinfo.pr_sname = 0;
	EXPECT_TRUE(strstr(to_json(&ev), "\"pr_sname\":\"\",") != NULL);
	ev.lwpsinfo.pr_sname = 'R';
	EXPECT_TRUE(strstr(to_json(&ev), "\"pr_sname\":\"R\",") != NULL);
	ev.lwpsinfo.pr_sname = '"';
	EXPECT_TRUE(strstr(to_json(&ev), "\"pr_sname\":\"\\\"\",") != NULL);
	ev.lwpsinfo.pr_sname = (char)0xe9;
	EXPECT_TRUE(strstr(to_json(&ev), "\"pr_sname\":\"\\u00e9\",") != NULL);
}

/* Like snprintf(): the length needed, a cut NUL-terminated line, no overrun. */
/*
 * LIBDTPROC_1.3: an event shorter than the library's struct (a program
 * built against an older header) is read up to its size, never past: it
 * ends at an inaccessible page, and the members it lacks count as 0.
 */
TEST(json_never_reads_past_size)
{
	size_t short_size = offsetof(struct dtproc_event, path);
	long page = sysconf(_SC_PAGESIZE);
	struct dtproc_event *ev, full;
	char buf[4096];
	char *map;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_EQ(mprotect(map + page, page, PROT_NONE), 0);
	ev = (struct dtproc_event *)(map + page - short_size);
	fill(&full, DTPROC_PROBE_EXEC);
	memcpy(ev, &full, short_size);
	ev->size = short_size;
	ASSERT_GT(dtproc_event_json(ev, buf, sizeof(buf)), 0);
	if (!strstr(buf, "\"args\":{\"path\":\"\"}"))
		DT_FAIL(1, "the path past the size is not empty: %s", buf);

	ev->size = 0;
	EXPECT_EQ(dtproc_event_json(ev, buf, sizeof(buf)), -EINVAL);
	EXPECT_TRUE(strstr(dtproc_errmsg(), "sizeof(struct dtproc_event)"));
	munmap(map, 2 * page);
}

TEST(json_truncation)
{
	char full[4096], buf[4200];
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	int n, m;
	size_t len, i;

	fill(&ev, DTPROC_PROBE_LWP_CREATE);
	strcpy(ev.execname, "q\"\xff\n");
	n = dtproc_event_json(&ev, full, sizeof(full));
	ASSERT_GT(n, 0);
	ASSERT_LT(n, (int)sizeof(full));
	ASSERT_EQ(strlen(full), (size_t)n);

	EXPECT_EQ(dtproc_event_json(&ev, NULL, 0), n);

	for (len = 0; len <= (size_t)n + 2; len++) {
		memset(buf, 0x5a, sizeof(buf));
		m = dtproc_event_json(&ev, buf, len);
		ASSERT_EQ(m, n);
		for (i = len; i < sizeof(buf); i++)
			if (buf[i] != 0x5a)
				DT_FAIL(1, "len %zu: byte %zu written", len, i);
		if (!len)
			continue;
		ASSERT_EQ(strlen(buf), len - 1 < (size_t)n ? len - 1 : (size_t)n);
		ASSERT_EQ(memcmp(buf, full, strlen(buf)), 0);
	}
}

/* xorshift64*: reproducible pseudo-random bytes */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void rnd_bytes(void *p, size_t n)
{
	unsigned char *c = p;

	while (n--)
		*c++ = rnd();
}

/* Random events: every member random, strings arbitrary bytes. */
static void rnd_event(struct dtproc_event *ev)
{
	rnd_bytes(ev, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->kind = rnd() % 8 ? DTPROC_EVENT_PROBE : DTPROC_EVENT_DROP;
	ev->probe = rnd() % (DTPROC_PROBE_COUNT + 2) - 1;
	/* Mostly high bytes: exercise the UTF-8 paths. */
	if (rnd() % 2) {
		size_t i;

		for (i = 0; i < sizeof(ev->execname); i++)
			ev->execname[i] = 0x80 | rnd();
		for (i = 0; i < sizeof(ev->psinfo.pr_psargs); i++)
			ev->psinfo.pr_psargs[i] = rnd() % 3 ? 0xc0 | rnd() % 0x35 :
							      0x80 | rnd() % 0x40;
	}
}

TEST(json_fuzz_valid)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	char buf[8192];
	int i, n;

	for (i = 0; i < 20000; i++) {
		rnd_event(&ev);
		n = dtproc_event_json(&ev, buf, sizeof(buf));
		ASSERT_GT(n, 0);
		ASSERT_LT(n, (int)sizeof(buf));
		if (!json_valid(buf))
			DT_FAIL(1, "event %d: not valid JSON: %s", i, buf);
	}
}

/* A second opinion: python3's json module parses every line. */
TEST(json_python_parses)
{
	char path[] = "/tmp/dtproc-json-XXXXXX", cmd[512], buf[8192];
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	FILE *f;
	int fd, i, p, st;

	if (system("command -v python3 >/dev/null 2>&1"))
		SKIP("no python3");
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	f = fdopen(fd, "w");
	ASSERT_TRUE(f != NULL);
	for (p = 0; p < DTPROC_PROBE_COUNT; p++) {
		fill(&ev, p);
		dtproc_event_json(&ev, buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
	for (i = 0; i < 2000; i++) {
		rnd_event(&ev);
		dtproc_event_json(&ev, buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
	ASSERT_EQ(fclose(f), 0);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import json, sys\n"
		 "n = 0\n"
		 "for line in open(sys.argv[1], \"rb\"):\n"
		 "    o = json.loads(line.decode(\"utf-8\"))\n"
		 "    assert isinstance(o, dict) and \"seq\" in o and \"probe\" in o\n"
		 "    n += 1\n"
		 "assert n == %d, n\n' %s",
		 DTPROC_PROBE_COUNT + 2000, path);
	st = system(cmd);
	unlink(path);
	ASSERT_EQ(st, 0);
}
