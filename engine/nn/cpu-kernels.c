/* Which of the CPU kernels run (cpu-kernels.h): the AVX-512 set, the AVX2
 * one, or none (the OpenBLAS path), chosen once per process from what the
 * processor has and $RALI_CPU_KERNELS; the functions of cpu-kernels.h call
 * the chosen set's, and the sizes that do not depend on it are here. */
#include "cpu-kernels.h"

#include <unistd.h>

gboolean
rali_cpu_has_avx512 (void)
{
#ifdef RALI_CPU_KERNELS_X86
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512dq") &&
         __builtin_cpu_supports ("avx512bw") && __builtin_cpu_supports ("avx512vl") &&
         __builtin_cpu_supports ("fma");
#else
  return FALSE;
#endif
}

gboolean
rali_cpu_has_avx2 (void)
{
#ifdef RALI_CPU_KERNELS_X86
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
  return FALSE;
#endif
}

static const RaliCpuKernelSet *
kernel_set (void)
{
  static const RaliCpuKernelSet *set;
  static gsize once;
  if (g_once_init_enter (&once))
    {
#ifdef RALI_CPU_KERNELS_X86
      gboolean want_avx2 = g_strcmp0 (g_getenv ("RALI_CPU_KERNELS"), "avx2") == 0;
      if (rali_cpu_has_avx512 () && !want_avx2)
        set = &rali_cpu_kernels_avx512;
      else if (rali_cpu_has_avx2 ())
        set = &rali_cpu_kernels_avx2;
#endif
      g_once_init_leave (&once, 1);
    }
  return set;
}

const char *
rali_cpu_kernels_isa (void)
{
  const RaliCpuKernelSet *set = kernel_set ();
  return set ? set->isa : NULL;
}

gboolean
rali_cpu_kernels_usable (void)
{
  return kernel_set () && g_strcmp0 (g_getenv ("RALI_CPU_KERNELS"), "openblas") != 0;
}

gboolean
rali_cpu_kernels_bf16_usable (void)
{
#ifdef RALI_CPU_KERNELS_X86
  return rali_cpu_kernels_usable () && kernel_set () == &rali_cpu_kernels_avx512 && rali_cpu_has_avx512_bf16 ();
#else
  return FALSE;
#endif
}

gsize
rali_attention_scratch_size (int T, int Dh)
{
  return rali_packed_a_size (T, MAX (T, Dh)) + MAX (rali_packed_b_size (T, Dh), rali_packed_b_size (Dh, T)) +
         (gsize) T * rali_round16 (T) + 64;
}

/* floats of a band of G output rows: its expanded input rows and its
 * depthwise rows */
static gsize
band_floats (const RaliInvertedResidual *a, int G)
{
  return rali_inverted_residual_expanded_floats (a, G) + (gsize) G * a->Wo * a->Cexp;
}

gsize
rali_inverted_residual_scratch (const RaliInvertedResidual *a)
{
  /* the band's expanded rows, its depthwise rows, a packed micro-panel, alignment */
  return band_floats (a, MAX (a->band, 1)) + (gsize) RALI_MR * MAX (a->Cin, a->Cexp) + 64;
}

/* cycles of one thread's bands [u0, u1), modelled: each product's tiles at
 * the FMA rate (a 12 x 32 tile of K costs 12·K), and both weight matrices
 * streamed from L3 once a band (8 floats a cycle) */
static double
band_cycles (const RaliInvertedResidual *a, int G, int Q, int u0, int u1)
{
  double cycles = 0;
  int kept_b = -1, kept_c1 = 0;
  for (int u = u0; u < u1; u++)
    {
      int b = u / Q, oy0 = (u % Q) * G, g = MIN (G, a->Ho - oy0);
      int c0 = MAX (oy0 * a->stride - a->py, 0), c1 = MIN ((oy0 + g - 1) * a->stride - a->py + 3, a->H);
      int fresh = kept_b == b ? c1 - MAX (c0, kept_c1) : c1 - c0;
      kept_b = b, kept_c1 = c1;
      if (a->expand_bp)
        cycles += 12.0 * a->Cin * ((fresh * a->W + RALI_MR - 1) / RALI_MR) * ((a->Cexp + RALI_NR - 1) / RALI_NR);
      cycles += 12.0 * a->Cexp * ((g * a->Wo + RALI_MR - 1) / RALI_MR) * ((a->Cout + RALI_NR - 1) / RALI_NR);
      cycles += ((a->expand_bp ? (double) a->Cin * a->Cexp : 0) + (double) a->Cexp * a->Cout) / 8;
    }
  return cycles;
}

/* floats that fill this processor's L2 (512 KiB where it does not say);
 * read once: glibc asks CPUID, which traps to the hypervisor in a VM, and
 * this is asked for every block of every forward */
static gsize
l2_floats (void)
{
  static gsize floats;
  if (g_once_init_enter (&floats))
    {
      long bytes = -1;
#ifdef _SC_LEVEL2_CACHE_SIZE
      bytes = sysconf (_SC_LEVEL2_CACHE_SIZE);
#endif
      g_once_init_leave (&floats, (gsize) CLAMP (bytes > 0 ? bytes : 512 * 1024, 128 * 1024, 4 * 1024 * 1024) /
                                      sizeof (float));
    }
  return floats;
}

int
rali_inverted_residual_band (const RaliInvertedResidual *a, int B, int parts)
{
  /* a band's expanded and depthwise rows fit in L2: on a Zen 5 (1 MiB) the
   * default model's forward at batch 8 ran 1.02x faster with this budget
   * than with half of it, 0.92x with a quarter, 0.97x with twice */
  const gsize budget = l2_floats ();
  int best = 1;
  double best_cycles = G_MAXDOUBLE;
  for (int G = 1; G <= a->Ho; G++)
    {
      if (G > 1 && band_floats (a, G) > budget)
        break;
      int Q = (a->Ho + G - 1) / G, U = B * Q, P = MAX (1, MIN (parts, U));
      double busiest = 0; /* parallel_for's split: part i takes [U·i/P, U·(i+1)/P) */
      for (int i = 0; i < P; i++)
        busiest = MAX (busiest, band_cycles (a, G, Q, (int) ((gint64) U * i / P), (int) ((gint64) U * (i + 1) / P)));
      if (busiest < best_cycles)
        best = G, best_cycles = busiest;
    }
  return best;
}

/* the chosen set; the backend calls these only on its kernels' path */
static inline const RaliCpuKernelSet *
chosen (void)
{
  const RaliCpuKernelSet *set = kernel_set ();
  g_assert (set);
  return set;
}

void
rali_pack_b_nk (float *dst, const float *w, int N, int K, int lds, int p0, int p1)
{
  chosen ()->pack_b_nk (dst, w, N, K, lds, p0, p1);
}

void
rali_pack_b_kn (float *dst, const float *b, int N, int K, int lds)
{
  chosen ()->pack_b_kn (dst, b, N, K, lds);
}

void
rali_pack_a (float *dst, const float *a, int M, int K, int lda, float scale, int r0, int r1)
{
  chosen ()->pack_a (dst, a, M, K, lda, scale, r0, r1);
}

void
rali_gemm_packed (float *c, int ldc, const float *ap, const float *bp, int M, int N, int K, int r0, int r1, int p0,
                  int p1, const RaliEpilogue *e)
{
  chosen ()->gemm_packed (c, ldc, ap, bp, M, N, K, r0, r1, p0, p1, e);
}

void
rali_gemm_rows (float *c, int ldc, const float *a, int lda, const float *bp, int M, int N, int K, int r0, int r1,
                int p0, int p1, const RaliEpilogue *e)
{
  chosen ()->gemm_rows (c, ldc, a, lda, bp, M, N, K, r0, r1, p0, p1, e);
}

void
rali_gemm_rows_any (float *c, const float *a, const float *bp, int M, int N, int K, const RaliEpilogue *e,
                    float *pack)
{
  chosen ()->gemm_rows_any (c, a, bp, M, N, K, e, pack);
}

void
rali_attention_head (float *out, int ldo, const float *q, const float *k, const float *v, int ld, int T, int Dh,
                     float scale, float *scratch)
{
  chosen ()->attention_head (out, ldo, q, k, v, ld, T, Dh, scale, scratch);
}

void
rali_dwconv_rows (const RaliDwConv *a, gsize r0, gsize r1)
{
  chosen ()->dwconv_rows (a, r0, r1);
}

void
rali_inverted_residual_bands (const RaliInvertedResidual *a, gsize r0, gsize r1, float *scratch)
{
  chosen ()->inverted_residual_bands (a, r0, r1, scratch);
}

void
rali_layernorm_rows (float *out, const float *in, const float *w, const float *b, int C, float eps, gsize r0,
                     gsize r1)
{
  chosen ()->layernorm_rows (out, in, w, b, C, eps, r0, r1);
}

void
rali_activation_range (float *x, gsize i0, gsize i1, int act)
{
  chosen ()->activation_range (x, i0, i1, act);
}

void
rali_add_range (float *x, const float *y, gsize i0, gsize i1)
{
  chosen ()->add_range (x, y, i0, i1);
}
