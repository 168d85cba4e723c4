// SPDX-License-Identifier: GPL-2.0
/*
 * A process whose last thread out is an io_uring worker still has its exit
 * event (issue 9 item 6).  The process punts a read of an empty pipe to an
 * io-wq worker (IOSQE_ASYNC), which blocks there; then its only user thread
 * exits alone (exit(2), not exit_group(2)): the worker, woken when the ring
 * goes with the thread's files, is the last thread of the process to go.
 * Raw system calls, no liburing.
 */
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "proc_util.h"

#define ROUNDS	6

static void iouring_body(void *arg)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqe;
	unsigned int *tail, *array, mask;
	static char buf[1];
	int fd, pipefd[2];
	char *sq;

	memset(&p, 0, sizeof(p));
	if (pipe(pipefd))
		_exit(2);
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		_exit(errno == ENOSYS || errno == EPERM ? 4 : 3);
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		  IORING_OFF_SQ_RING);
	sqe = mmap(NULL, p.sq_entries * sizeof(*sqe), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || sqe == MAP_FAILED)
		_exit(5);
	tail = (unsigned int *)(sq + p.sq_off.tail);
	array = (unsigned int *)(sq + p.sq_off.array);
	mask = *(unsigned int *)(sq + p.sq_off.ring_mask);

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_READ;
	sqe->fd = pipefd[0];
	sqe->addr = (unsigned long)buf;
	sqe->len = 1;
	sqe->flags = IOSQE_ASYNC;	/* to an io-wq worker, which blocks */
	array[*tail & mask] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, fd, 1, 0, 0, NULL, 0) != 1)
		_exit(6);
	usleep(200000);
	/* this thread only: the worker is left, and goes when the ring does */
	syscall(SYS_exit, 0);
}

TEST_TIMEOUT(exit_when_io_uring_worker_is_last_thread, 300)
{
	int round, status;

	for (round = 0; round < ROUNDS; round++) {
		struct pu_log log = { 0 };
		struct dtproc_feed *feed;
		struct pu_child c;

		pu_spawn(&c, NULL, iouring_body, NULL);
		feed = pu_subscribe(PU_P(EXIT), c.pid, 0);
		pu_release(&c);
		status = ut_reap(c.pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
			SKIP("no io_uring in this kernel");
		ASSERT_EXITED(status, 0);
		pu_collect(feed, &log, NULL, NULL, 1000);
		if (pu_count(&log, DTPROC_PROBE_EXIT, c.pid) != 1)
			TH_LOG("round %d: %zu exit events for %d", round,
			       pu_count(&log, DTPROC_PROBE_EXIT, c.pid),
			       (int)c.pid);
		ASSERT_EQ(pu_count(&log, DTPROC_PROBE_EXIT, c.pid), 1);
		dtproc_feed_close(feed);
		pu_log_free(&log);
	}
}
