// SPDX-License-Identifier: GPL-2.0
/*
 * proc_bench: the proc provider's benchmarks, run inside a guest by
 * tools/bench/run.  Each mode prints one "key value" line per result.
 *
 *   proc_bench loop N         fork + exec /bin/true + wait, N times: ns
 *   proc_bench drain          subscribe to all 14 probes of every process
 *                             and decode events until SIGTERM; SIGUSR1
 *                             prints a mark: events so far, and how many
 *                             exits of /bin/true (the loop's children)
 *   proc_bench drain raw      the same subscription, but count the messages
 *                             received without decoding them (what the
 *                             module's side costs, without libdtproc's)
 *   proc_bench follow SUB CMD...
 *                             run CMD (exec'd directly, as dtrace -c does)
 *                             and, if SUB is 1, subscribe to all 14 probes
 *                             of it and its descendants only (a pid-filtered
 *                             subscription, dtproc trace -c's) and drain
 *                             them until SIGTERM, which kills CMD
 *   proc_bench cnproc         listen to cn_proc until SIGTERM
 *   proc_bench storm N [slow] a process forks N children; a subscriber
 *                             following it counts create events and checks
 *                             that drop records account for every gap in
 *                             the sequence numbers (slow: a tiny socket
 *                             buffer and a reader that sleeps)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <dtproc.h>

static volatile sig_atomic_t stop, mark;
static unsigned long long per_cpu[8];	/* events received, by firing CPU */
static int feed_errors;			/* feed reads that failed */

static void on_term(int sig)
{
	stop = 1;
}

static void on_usr1(int sig)
{
	mark = 1;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int loop(long n)
{
	long long t0 = now_ns();
	long i;

	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return perror("fork"), 1;
		if (!pid) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	printf("loop_ns %lld\n", now_ns() - t0);
	return 0;
}

/* count what a subscription delivers; *trues: exits of /bin/true */
static void count(struct dtproc_feed *feed, unsigned long long *events,
		  unsigned long long *lost, unsigned long long *trues)
{
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	int ret;

	while ((ret = dtproc_feed_next(feed, &ev)) != 0) {
		if (ret < 0) {
			/* said, and counted: a round that lost its feed shows why */
			fprintf(stderr, "proc_bench: %s\n", dtproc_errmsg());
			feed_errors++;
			if (ret != -ENOBUFS)
				return;
			continue;
		}
		if (ev.kind == DTPROC_EVENT_DROP) {
			*lost += ev.dropped;
			continue;
		}
		(*events)++;
		per_cpu[ev.cpu % 8]++;
		if (ev.probe == DTPROC_PROBE_EXIT && !strcmp(ev.execname, "true"))
			(*trues)++;
	}
}

/* Receive and count the feed's messages without decoding them. */
static void count_raw(struct dtproc_feed *feed, unsigned long long *events)
{
	static char buf[65536];
	struct nlmsghdr *nh;
	ssize_t n;

	for (;;) {
		n = recv(dtproc_feed_fd(feed), buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			feed_errors++;	/* the socket overran */
			continue;
		}
		if (n <= 0)
			return;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n))
			(*events)++;
	}
}

static int drain_raw(void)
{
	struct dtproc_feed *feed = dtproc_feed_open();
	unsigned long long events = 0;
	struct pollfd pfd;

	if (!feed || dtproc_feed_subscribe(feed, DTPROC_PROBE_MASK_ALL, 0, 0) < 0) {
		fprintf(stderr, "drain: %s\n", dtproc_errmsg());
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pfd.fd = dtproc_feed_fd(feed);
	pfd.events = POLLIN;
	while (!stop) {
		poll(&pfd, 1, 50);
		count_raw(feed, &events);
	}
	count_raw(feed, &events);
	printf("drain_events %llu\ndrain_errors %d\n", events, feed_errors);
	dtproc_feed_close(feed);
	return 0;
}

static int drain(void)
{
	struct dtproc_feed *feed = dtproc_feed_open();
	unsigned long long events = 0, lost = 0, trues = 0;

	if (!feed || dtproc_feed_subscribe(feed, DTPROC_PROBE_MASK_ALL, 0, 0) < 0) {
		fprintf(stderr, "drain: %s\n", dtproc_errmsg());
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (dtproc_feed_wait(feed, 50) < 0) {
			fprintf(stderr, "drain: %s\n", dtproc_errmsg());
			feed_errors++;
			break;
		}
		count(feed, &events, &lost, &trues);
		if (mark) {
			mark = 0;
			printf("drain_mark %llu %llu %llu\n", events, lost, trues);
			fflush(stdout);
		}
	}
	count(feed, &events, &lost, &trues);
	printf("drain_events %llu\ndrain_lost %llu\ndrain_true_exits %llu\n"
	       "drain_by_cpu %llu/%llu\ndrain_errors %d\n", events, lost, trues,
	       per_cpu[0], per_cpu[1], feed_errors);
	dtproc_feed_close(feed);
	return 0;
}

static int follow(int sub, char **argv)
{
	unsigned long long events = 0, lost = 0, trues = 0;
	struct dtproc_feed *feed = NULL;
	int go[2];
	pid_t pid;
	char c;

	if (pipe(go))
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (!pid) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(go[0]);
	if (sub) {
		feed = dtproc_feed_open();
		if (!feed || dtproc_feed_subscribe(feed, DTPROC_PROBE_MASK_ALL, pid,
						   DTPROC_FILTER_DESCENDANTS) < 0) {
			fprintf(stderr, "follow: %s\n", dtproc_errmsg());
			kill(pid, SIGKILL);
			return 1;
		}
	}
	if (write(go[1], "g", 1) != 1)
		return 1;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		if (!feed) {
			pause();
			continue;
		}
		if (dtproc_feed_wait(feed, 50) < 0)
			break;
		count(feed, &events, &lost, &trues);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (feed) {
		count(feed, &events, &lost, &trues);
		printf("follow_events %llu\nfollow_lost %llu\n", events, lost);
		dtproc_feed_close(feed);
	}
	return 0;
}

static int cnproc(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC,
				  .nl_pid = getpid() };
	struct {
		struct nlmsghdr nl;
		struct cn_msg cn;
		enum proc_cn_mcast_op op;
	} __attribute__((packed)) req = { 0 };
	char buf[4096];
	unsigned long long events = 0;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return perror("cn_proc socket"), 1;
	req.nl.nlmsg_len = sizeof(req);
	req.nl.nlmsg_type = NLMSG_DONE;
	req.nl.nlmsg_pid = getpid();
	req.cn.id.idx = CN_IDX_PROC;
	req.cn.id.val = CN_VAL_PROC;
	req.cn.len = sizeof(req.op);
	req.op = PROC_CN_MCAST_LISTEN;
	if (send(fd, &req, sizeof(req), 0) < 0)
		return perror("cn_proc listen"), 1;
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 200) > 0 && recv(fd, buf, sizeof(buf), 0) > 0)
			events++;
	}
	printf("cnproc_events %llu\n", events);
	return 0;
}

static int storm(long n, int slow)
{
	unsigned long long expect = 1, creates = 0, dropped = 0, gaps = 0;
	unsigned long long received = 0;
	struct dtproc_feed *feed;
	struct dtproc_event ev = DTPROC_EVENT_INIT;
	int go[2], done = 0, tiny = 4096, reaped = 0, idle = 0;
	pid_t root;
	char c;

	if (pipe(go))
		return perror("pipe"), 1;
	root = fork();
	if (!root) {
		long i;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < n; i++) {
			pid_t p = fork();

			if (!p)
				_exit(0);
			if (p > 0)
				waitpid(p, NULL, 0);
		}
		_exit(0);
	}
	feed = dtproc_feed_open();
	if (!feed || dtproc_feed_subscribe(feed, 1U << DTPROC_PROBE_CREATE |
					   1U << DTPROC_PROBE_EXIT, root,
					   DTPROC_FILTER_DESCENDANTS) < 0) {
		fprintf(stderr, "storm: %s\n", dtproc_errmsg());
		return 1;
	}
	if (slow)
		setsockopt(dtproc_feed_fd(feed), SOL_SOCKET, SO_RCVBUF, &tiny,
			   sizeof(tiny));
	if (write(go[1], "g", 1) != 1)
		return 1;
	while (!done) {
		int r;

		/* slow: read in bursts, letting the socket overflow between */
		if (slow)
			usleep(100000);
		r = dtproc_feed_wait(feed, 2000);
		if (r < 0)
			return 1;
		if (!r && reaped)
			break;	/* its exit event was among the losses */
		if (!r && waitpid(root, NULL, WNOHANG) == root)
			reaped = 1;
		if (!r && ++idle > 15) {
			fprintf(stderr, "storm: no events for 30 s\n");
			return 1;
		}
		if (r)
			idle = 0;
		while (dtproc_feed_next(feed, &ev) > 0) {
			if (ev.seq != expect)
				gaps++;
			if (ev.kind == DTPROC_EVENT_DROP) {
				dropped += ev.dropped;
				expect = ev.seq + ev.dropped;
				continue;
			}
			expect = ev.seq + 1;
			received++;
			if (ev.probe == DTPROC_PROBE_CREATE && ev.pid == root)
				creates++;
			if (ev.probe == DTPROC_PROBE_EXIT && ev.pid == root)
				done = 1;
		}
	}
	if (!reaped)
		waitpid(root, NULL, 0);
	printf("storm_forks %ld\nstorm_creates %llu\nstorm_dropped %llu\n"
	       "storm_received %llu\nstorm_last_seq %llu\n"
	       "storm_unexplained_gaps %llu\n",
	       n, creates, dropped, received, expect - 1, gaps);
	if (received + dropped != expect - 1)
		gaps++;
	dtproc_feed_close(feed);
	return gaps ? 1 : 0;
}

static void *thread_body(void *arg)
{
	usleep(1000 * (1 + (long)arg % 7));
	return NULL;
}

static int threads(long n)
{
	pthread_t *t = calloc(n, sizeof(*t));
	long i;

	if (!t)
		return 1;
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, thread_body, (void *)i))
			return perror("pthread_create"), 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	if (argc >= 3 && !strcmp(argv[1], "loop"))
		return loop(atol(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "drain") && !strcmp(argv[2], "raw"))
		return drain_raw();
	if (argc >= 2 && !strcmp(argv[1], "drain"))
		return drain();
	if (argc >= 4 && !strcmp(argv[1], "follow"))
		return follow(atoi(argv[2]), argv + 3);
	if (argc >= 2 && !strcmp(argv[1], "cnproc"))
		return cnproc();
	if (argc >= 3 && !strcmp(argv[1], "storm"))
		return storm(atol(argv[2]), argc > 3 && !strcmp(argv[3], "slow"));
	if (argc >= 3 && !strcmp(argv[1], "threads"))
		return threads(atol(argv[2]));
	fprintf(stderr, "usage: proc_bench loop N | drain [raw] | follow SUB CMD... | cnproc | storm N [slow] | threads N\n");
	return 2;
}
