/* The CPU kernels' shared loops, written once and compiled in each
 * instruction set's file (cpu-avx512.c, cpu-avx2.c) under its target: that
 * file includes this after its vector math, with KERNEL_SET and KERNEL_ISA
 * defined, and then defines the primitives declared below.  Everything
 * here is static; KERNEL_SET (cpu-kernels.h's RaliCpuKernelSet) is what
 * the file exports.  Not a header to include anywhere else. */
#ifndef KERNEL_SET
#error "cpu-kernels-common.h is included by cpu-avx512.c and cpu-avx2.c only"
#endif

/* One output row of a depthwise 3x3 from its three input rows (NULL: a
 * row of zero padding): out[Wo, C] */
typedef struct {
  const float *row[3];
  const float *wt, *bias;
  int W, C, Wo, stride, px;
  gboolean relu6;
} DwRow;

/* ---- what each instruction set's file defines ---- */

/* rali_pack_b_kn */
static void pack_b_kn (float *dst, const float *b, int N, int K, int lds);
/* one RALI_MR x RALI_NR tile: rows m0.. (mv valid), columns n0.. (nv
 * valid), from a packed micro-panel ap */
static void tile (float *c, int ldc, const float *ap, const float *bp, int K, int m0, int mv, int n0, int nv,
                  const RaliEpilogue *e);
/* the same from RALI_MR full rows of A in place (row stride lda), no packing */
static void tile_rows (float *c, int ldc, const float *a, int lda, const float *bp, int K, int m0, int n0, int nv,
                       const RaliEpilogue *e);
/* row[0..n) = softmax(scale · row), max-subtracted (scale > 0) */
static void softmax_row (float *row, int n, float scale);
/* output pixel ox of a depthwise row from whichever taps are inside the input */
static inline void dw_pixel (const DwRow *a, int ox, float *o);
/* npix output pixels from ox, whose taps are all inside the input (three
 * rows present), into o (pixel ox's channels) */
static inline void dw_span (const DwRow *a, int ox, int npix, float *o);
/* rali_layernorm_rows, rali_activation_range, rali_add_range */
static void layernorm_rows (float *out, const float *in, const float *w, const float *b, int C, float eps, gsize r0,
                            gsize r1);
static void activation_range (float *x, gsize i0, gsize i1, int act);
static void add_range (float *x, const float *y, gsize i0, gsize i1);

/* ---- packing ---- */

static void
pack_b_nk (float *dst, const float *w, int N, int K, int lds, int p0, int p1)
{
  for (int j = p0; j < p1; j++)
    {
      float *panel = dst + (gsize) j * K * RALI_NR;
      int nv = MIN (RALI_NR, N - j * RALI_NR);
      for (int n = 0; n < nv; n++)
        {
          const float *src = w + (gsize) (j * RALI_NR + n) * lds;
          for (int k = 0; k < K; k++)
            panel[(gsize) k * RALI_NR + n] = src[k];
        }
      for (int n = nv; n < RALI_NR; n++)
        for (int k = 0; k < K; k++)
          panel[(gsize) k * RALI_NR + n] = 0.0f;
    }
}

static void
pack_a (float *dst, const float *a, int M, int K, int lda, float scale, int r0, int r1)
{
  enum { KB = 64 }; /* a micro-panel's KB columns stay in L1 while its rows are read */
  for (int r = r0; r < r1; r++)
    {
      float *panel = dst + (gsize) r * K * RALI_MR;
      int mv = MIN (RALI_MR, M - r * RALI_MR);
      for (int k0 = 0; k0 < K; k0 += KB)
        {
          int k1 = MIN (K, k0 + KB);
          for (int i = 0; i < mv; i++)
            {
              const float *src = a + (gsize) (r * RALI_MR + i) * lda;
              for (int k = k0; k < k1; k++)
                panel[(gsize) k * RALI_MR + i] = scale * src[k];
            }
          for (int i = mv; i < RALI_MR; i++)
            for (int k = k0; k < k1; k++)
              panel[(gsize) k * RALI_MR + i] = 0.0f;
        }
    }
}

/* ---- the GEMM: tiles over micro-panels and panels ---- */

static void
gemm_rows (float *c, int ldc, const float *a, int lda, const float *bp, int M, int N, int K,
                int r0, int r1, int p0, int p1, const RaliEpilogue *e)
{
  for (int j = p0; j < p1; j++)
    for (int r = r0; r < r1; r++)
      tile_rows (c, ldc, a + (gsize) r * RALI_MR * lda, lda, bp + (gsize) j * K * RALI_NR, K, r * RALI_MR,
                 j * RALI_NR, MIN (RALI_NR, N - j * RALI_NR), e);
  (void) M;
}

static void
gemm_packed (float *c, int ldc, const float *ap, const float *bp, int M, int N, int K,
                  int r0, int r1, int p0, int p1, const RaliEpilogue *e)
{
  for (int j = p0; j < p1; j++)
    for (int r = r0; r < r1; r++)
      tile (c, ldc, ap + (gsize) r * K * RALI_MR, bp + (gsize) j * K * RALI_NR, K, r * RALI_MR,
            MIN (RALI_MR, M - r * RALI_MR), j * RALI_NR, MIN (RALI_NR, N - j * RALI_NR), e);
}

/* ---- attention ---- */

static void
attention_head (float *out, int ldo, const float *q, const float *k, const float *v, int ld, int T, int Dh,
                     float scale, float *scratch)
{
  /* 64-byte aligned pieces of scratch */
  float *base = (float *) (((guintptr) scratch + 63) & ~(guintptr) 63);
  float *ap = base, *bp = ap + rali_packed_a_size (T, MAX (T, Dh));
  float *s = bp + MAX (rali_packed_b_size (T, Dh), rali_packed_b_size (Dh, T));
  int ldS = rali_round16 (T), R = (T + RALI_MR - 1) / RALI_MR;
  /* s[T,T] = (q · scale) kᵀ */
  pack_a (ap, q, T, Dh, ld, scale, 0, R);
  pack_b_nk (bp, k, T, Dh, ld, 0, (T + RALI_NR - 1) / RALI_NR);
  gemm_packed (s, ldS, ap, bp, T, T, Dh, 0, R, 0, (T + RALI_NR - 1) / RALI_NR, NULL);
  for (int i = 0; i < T; i++)
    softmax_row (s + (gsize) i * ldS, T, 1.0f);
  /* out[T,Dh] = s v */
  pack_a (ap, s, T, T, ldS, 1.0f, 0, R);
  pack_b_kn (bp, v, Dh, T, ld);
  gemm_packed (out, ldo, ap, bp, T, Dh, T, 0, R, 0, (Dh + RALI_NR - 1) / RALI_NR, NULL);
}

/* ---- the depthwise convolution ---- */

static void
dw_row (const DwRow *a, float *orow)
{
  const int C = a->C, s = a->stride;
  int ox = 0;
  if (a->row[0] && a->row[1] && a->row[2] && s <= 2)
    {
      /* output columns whose three taps are inside the input: [x0, x1) */
      int x0, x1;
      rali_conv_inside (a->W, 3, s, a->px, a->Wo, &x0, &x1);
      for (; ox < x0; ox++)
        dw_pixel (a, ox, orow + (gsize) ox * C);
      if (x1 > ox)
        dw_span (a, ox, x1 - ox, orow + (gsize) ox * C);
      ox = MAX (ox, x1);
    }
  for (; ox < a->Wo; ox++)
    dw_pixel (a, ox, orow + (gsize) ox * C);
}

static void
dwconv_rows (const RaliDwConv *a, gsize r0, gsize r1)
{
  DwRow d = { .wt = a->wt, .bias = a->bias, .W = a->W, .C = a->C, .Wo = a->Wo, .stride = a->stride, .px = a->px,
              .relu6 = a->relu6 };
  for (gsize r = r0; r < r1; r++)
    {
      int b = (int) (r / a->Ho), oy = (int) (r % a->Ho);
      for (int ky = 0; ky < 3; ky++)
        {
          int y = oy * a->stride - a->py + ky;
          d.row[ky] = y < 0 || y >= a->H ? NULL : a->in + ((gsize) b * a->H + y) * a->W * a->C;
        }
      dw_row (&d, a->out + r * a->Wo * a->C);
    }
}

/* ---- the inverted residual block, row by row ---- */

/* c[M,N] = epilogue(a[M,K] · Wᵀ), W packed: whole micro-panels read in
 * place, the last partial one packed into pack (RALI_MR·K floats) */
static void
gemm_rows_any (float *c, const float *a, const float *bp, int M, int N, int K, const RaliEpilogue *e, float *pack)
{
  int full = M / RALI_MR, P = (N + RALI_NR - 1) / RALI_NR;
  if (full > 0)
    gemm_rows (c, N, a, K, bp, M, N, K, 0, full, 0, P, e);
  if (full * RALI_MR < M)
    {
      RaliEpilogue er = e ? *e : (RaliEpilogue) { .act = RALI_ACT_NONE };
      int m0 = full * RALI_MR;
      if (er.residual)
        er.residual += (gsize) m0 * er.ldr;
      pack_a (pack, a + (gsize) m0 * K, M - m0, K, K, 1.0f, 0, 1);
      gemm_packed (c + (gsize) m0 * N, N, pack, bp, M - m0, N, K, 0, 1, 0, P, &er);
    }
}

/* Bands of a->band output rows (units [u0, u1) of the B·ceil(Ho/band)):
 * a band's input rows expanded by one product into the band buffer (the
 * rows it shares with the band before kept, moved to its front), its
 * depthwise rows, then one projection over all its pixels.  Bands rather
 * than single rows, so that on small maps (14 or 28 pixels a row) the
 * products' rows fill whole micro-panels and each weight read from cache
 * serves band·Wo pixels. */
static void
inverted_residual_bands (const RaliInvertedResidual *a, gsize u0, gsize u1, float *scratch)
{
  const int s = a->stride, G = a->band, Q = (a->Ho + G - 1) / G;
  const gsize xrow = (gsize) a->W * a->Cexp; /* floats of one expanded row */
  float *band = scratch, *dw = band + rali_inverted_residual_expanded_floats (a, G);
  float *pack = dw + (gsize) G * a->Wo * a->Cexp;
  int kept_b = -1, kept_y0 = 0, kept_n = 0; /* expanded rows [kept_y0, +kept_n) of image kept_b, at band */
  RaliEpilogue ee = { .bias = a->expand_b, .act = RALI_ACT_RELU6 };
  DwRow d = { .wt = a->wt, .bias = a->dw_b, .W = a->W, .C = a->Cexp, .Wo = a->Wo, .stride = a->stride, .px = a->px,
              .relu6 = TRUE };
  for (gsize u = u0; u < u1; u++)
    {
      int b = (int) (u / Q), oy0 = (int) (u % Q) * G, g = MIN (G, a->Ho - oy0);
      /* the input rows its taps read, [c0, c1), padding rows left out */
      int c0 = MAX (oy0 * s - a->py, 0), c1 = MIN ((oy0 + g - 1) * s - a->py + 3, a->H);
      const float *rows = a->in + ((gsize) b * a->H + c0) * a->W * a->Cin; /* t = 1: the input is the map */
      if (a->expand_bp)
        {
          int have = 0;
          if (kept_b == b && kept_y0 <= c0 && c0 < kept_y0 + kept_n)
            {
              have = MIN (kept_y0 + kept_n, c1) - c0;
              memmove (band, band + (gsize) (c0 - kept_y0) * xrow, (gsize) have * xrow * sizeof (float));
            }
          if (c1 - c0 > have)
            gemm_rows_any (band + (gsize) have * xrow, rows + (gsize) have * a->W * a->Cin, a->expand_bp,
                           (c1 - c0 - have) * a->W, a->Cexp, a->Cin, &ee, pack);
          kept_b = b, kept_y0 = c0, kept_n = c1 - c0;
          rows = band;
        }
      for (int j = 0; j < g; j++)
        {
          for (int ky = 0; ky < 3; ky++)
            {
              int y = (oy0 + j) * s - a->py + ky;
              d.row[ky] = y < 0 || y >= a->H ? NULL : rows + (gsize) (y - c0) * xrow;
            }
          dw_row (&d, dw + (gsize) j * a->Wo * a->Cexp);
        }
      gsize r = (gsize) b * a->Ho + oy0;
      RaliEpilogue ep = { .bias = a->project_b, .act = RALI_ACT_NONE };
      if (a->residual)
        ep.residual = a->in + r * a->W * a->Cin, ep.ldr = a->Cin;
      gemm_rows_any (a->out + r * a->Wo * a->Cout, dw, a->project_bp, g * a->Wo, a->Cout, a->Cexp, &ep, pack);
    }
}

const RaliCpuKernelSet KERNEL_SET = {
  .isa = KERNEL_ISA,
  .pack_b_nk = pack_b_nk,
  .pack_b_kn = pack_b_kn,
  .pack_a = pack_a,
  .gemm_packed = gemm_packed,
  .gemm_rows = gemm_rows,
  .gemm_rows_any = gemm_rows_any,
  .attention_head = attention_head,
  .dwconv_rows = dwconv_rows,
  .inverted_residual_bands = inverted_residual_bands,
  .layernorm_rows = layernorm_rows,
  .activation_range = activation_range,
  .add_range = add_range,
};
