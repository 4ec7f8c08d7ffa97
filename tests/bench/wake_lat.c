/* SPDX-License-Identifier: Apache-2.0 */
/* What one thread waking another costs on this machine: the floor under any
 * round trip through a userspace data path, where every hop between a
 * sleeping thread and the packet is such a wake-up.
 *
 * Two threads play ping-pong over a pair of eventfds, one round trip every
 * 2 ms so that an idle vCPU has time to halt in between (as at idle, where
 * a ping per second finds every data thread asleep).  Placements:
 *   same cpu     both threads pinned to one CPU (a local switch)
 *   cross cpu    pinned to two CPUs (an IPI; on a VM, a halted vCPU must be
 *                scheduled again by the host)
 *   free         wherever the scheduler puts them
 * Prints the median and 90th percentile of one wake-up (half a round trip),
 * in microseconds.  Asserts nothing.  Run: BUILD/tests/bench/wake-lat [rounds] */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 2000

struct pingpong {
	int there, back;	/* eventfds: main -> peer, peer -> main */
	int cpu;		/* the peer's CPU, -1 free */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	if (cpu < 0) {
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &set);
	} else {
		CPU_SET(cpu, &set);
	}
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Echo every token back until a token of 2 (stop). */
static void *peer_main(void *arg)
{
	struct pingpong *pp = arg;
	uint64_t v;

	pin(pp->cpu);
	while (read(pp->there, &v, sizeof(v)) == sizeof(v) && v == 1)
		if (write(pp->back, &v, sizeof(v)) != sizeof(v))
			break;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One placement: main on main_cpu, the peer on peer_cpu (-1: free). */
static int measure(const char *name, int main_cpu, int peer_cpu, int rounds)
{
	static uint64_t rtt[MAX_ROUNDS];
	struct pingpong pp = { eventfd(0, 0), eventfd(0, 0), peer_cpu };
	struct timespec gap = { 0, 2000000 };
	pthread_t t;
	uint64_t v;

	if (pp.there < 0 || pp.back < 0 || pthread_create(&t, NULL, peer_main, &pp) != 0) {
		perror("wake-lat: setup");
		return 1;
	}
	pin(main_cpu);
	for (int i = 0; i < rounds; i++) {
		uint64_t t0;

		nanosleep(&gap, NULL);
		t0 = now_ns();
		v = 1;
		if (write(pp.there, &v, sizeof(v)) != sizeof(v) ||
		    read(pp.back, &v, sizeof(v)) != sizeof(v))
			return 1;
		rtt[i] = now_ns() - t0;
	}
	v = 2;
	if (write(pp.there, &v, sizeof(v)) != sizeof(v))
		return 1;
	pthread_join(t, NULL);
	close(pp.there);
	close(pp.back);
	qsort(rtt, (size_t)rounds, sizeof(rtt[0]), cmp_u64);
	printf("%-10s one wake-up: median %5.1f us, p90 %5.1f us\n", name,
	       (double)rtt[rounds / 2] / 2000.0, (double)rtt[rounds * 9 / 10] / 2000.0);
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 500;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (rounds < 10 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: wake-lat [rounds, 10..%d]\n", MAX_ROUNDS);
		return 2;
	}
	if (measure("same cpu", 0, 0, rounds))
		return 1;
	if (cpus > 1 && measure("cross cpu", 0, 1, rounds))
		return 1;
	return measure("free", -1, -1, rounds);
}
