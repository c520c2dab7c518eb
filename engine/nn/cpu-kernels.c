/* Which of the CPU kernels run (cpu-kernels.h): the AVX-512 set, the AVX2
 * one, or none (the OpenBLAS path), chosen once per process from what the
 * processor has and $RALI_CPU_KERNELS; the functions of cpu-kernels.h call
 * the chosen set's, and the sizes that do not depend on it are here. */
#include "cpu-kernels.h"

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

gsize
rali_inverted_residual_scratch (const RaliInvertedResidual *a)
{
  /* three expanded rows, the depthwise row, a packed micro-panel, alignment */
  return (gsize) 3 * a->W * a->Cexp + (gsize) a->Wo * a->Cexp + (gsize) RALI_MR * MAX (a->Cin, a->Cexp) + 64;
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
rali_inverted_residual_rows (const RaliInvertedResidual *a, gsize r0, gsize r1, float *scratch)
{
  chosen ()->inverted_residual_rows (a, r0, r1, scratch);
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
