/* The processor's fp32 FMA peak, for tools/bench/compare.py.
 *
 * Why: compare.py measures our forward against the system OpenBLAS's sgemm
 * on the same products, but that is only a ceiling where OpenBLAS has
 * kernels for the processor.  Debian's OpenBLAS 0.3.21 runs its Haswell
 * (AVX2) kernels on Zen 5, at half that core's rate, and a forward "over
 * 100 % of peak" says nothing.  This is the silicon's own number: each of T
 * threads runs independent chains of fused multiply-adds (16 of 16 lanes,
 * or 12 of 8 on AVX2: enough to hide the FMA latency on both pipes) on the
 * widest vectors the engine's kernels use, AVX-512 where the processor has
 * it, else AVX2.
 *
 *   cc -O2 -pthread tools/bench/fma-peak.c -o fma-peak && ./fma-peak T [ITERATIONS]
 *
 * prints {"isa": ..., "threads": T, "gflops": all T threads together,
 * "gflops_one": one thread alone}, the best of 3 runs each. */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* iterations per run: ~0.4 s of one Zen 5 core (argv[2] overrides) */
static long iterations = 200000000L;

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* 16 chains x 16 lanes x 2 FLOP per iteration; the result is returned so
 * the compiler keeps every chain */
__attribute__ ((target ("avx512f"))) static float
chains_avx512 (long n)
{
  __m512 a[16], m = _mm512_set1_ps (0.999999f), c = _mm512_set1_ps (1e-6f);
  for (int i = 0; i < 16; i++)
    a[i] = _mm512_set1_ps ((float) i);
  /* unrolled, so that the 16 chains live in registers */
  for (long k = 0; k < n; k++)
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
      a[i] = _mm512_fmadd_ps (a[i], m, c);
  float s = 0;
  for (int i = 0; i < 16; i++)
    s += _mm512_reduce_add_ps (a[i]);
  return s;
}

/* 12 chains x 8 lanes x 2 FLOP per iteration: AVX2 has 16 registers, and
 * 16 chains with their two operands would spill */
__attribute__ ((target ("avx2,fma"))) static float
chains_avx2 (long n)
{
  __m256 a[12], m = _mm256_set1_ps (0.999999f), c = _mm256_set1_ps (1e-6f);
  for (int i = 0; i < 12; i++)
    a[i] = _mm256_set1_ps ((float) i);
  for (long k = 0; k < n; k++)
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++)
      a[i] = _mm256_fmadd_ps (a[i], m, c);
  float t[8], s = 0;
  for (int i = 0; i < 12; i++) {
    _mm256_storeu_ps (t, a[i]);
    for (int j = 0; j < 8; j++)
      s += t[j];
  }
  return s;
}

static int avx512;
static volatile float sink;

static void *
run (void *arg)
{
  (void) arg;
  sink = avx512 ? chains_avx512 (iterations) : chains_avx2 (iterations);
  return NULL;
}

/* GFLOP/s of T threads running at once, best of 3 */
static double
measure (int T)
{
  double best = 0;
  pthread_t *th = malloc (sizeof *th * (size_t) T);
  for (int r = 0; r < 3; r++) {
    double t = now ();
    for (int i = 0; i < T; i++)
      pthread_create (&th[i], NULL, run, NULL);
    for (int i = 0; i < T; i++)
      pthread_join (th[i], NULL);
    t = now () - t;
    double flop = (double) T * iterations * (avx512 ? 16 * 16 : 12 * 8) * 2;
    if (flop / t / 1e9 > best)
      best = flop / t / 1e9;
  }
  free (th);
  return best;
}

int
main (int argc, char **argv)
{
  int T = argc > 1 ? atoi (argv[1]) : 1;
  if (argc > 2)
    iterations = atol (argv[2]);
  if (T < 1 || T > 1024 || iterations < 1) {
    fprintf (stderr, "usage: %s THREADS [ITERATIONS]\n", argv[0]);
    return 2;
  }
  __builtin_cpu_init ();
  if (!__builtin_cpu_supports ("fma") || !__builtin_cpu_supports ("avx2")) {
    fprintf (stderr, "fma-peak: the processor has no AVX2 and FMA: the engine's kernels do not run here\n");
    return 1;
  }
  /* FMA_PEAK_ISA=avx2: the AVX2 chains on an AVX-512 processor too (what
   * RALI_CPU_KERNELS=avx2 runs) */
  avx512 = __builtin_cpu_supports ("avx512f") && !(getenv ("FMA_PEAK_ISA") && !strcmp (getenv ("FMA_PEAK_ISA"), "avx2"));
  double one = measure (1), all = measure (T);
  printf ("{\"isa\": \"%s\", \"threads\": %d, \"gflops\": %.1f, \"gflops_one\": %.1f}\n", avx512 ? "AVX-512" : "AVX2",
          T, all, one);
  return 0;
}
