/* out[M,N] = in[M,K] · w[N,K]ᵀ (+ bias[N]); out rows are ldo apart (≥ N:
 * the host may split N into column blocks)
 *
 * Shared-memory tiled GEMM: each workgroup computes a BM×BN tile of out,
 * stepping through K in slices of BK that are staged in shared memory;
 * each invocation accumulates a TM×TN micro-tile in registers (rows
 * ty + i·BM/TM, columns tx + j·BN/TN, strided so neighbours touch
 * neighbouring shared words).  Edges (M, N, K not multiples of the tile)
 * are zero-padded on load and masked on store.
 *
 * The register loops carry [[unroll]]: their bounds are specialisation
 * constants, so only the driver can unroll them, and without unrolling
 * acc[] becomes indexed memory (lavapipe: 2× slower).
 *
 * -DW_F16: the weights w are stored as fp16 (needs storageBuffer16BitAccess);
 * everything else, and the accumulation, stays fp32. */
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef W_F16
#extension GL_EXT_shader_16bit_storage : require
#define WTYPE float16_t
#else
#define WTYPE float
#endif
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"

layout(constant_id = 1) const uint BM = 64;
layout(constant_id = 2) const uint BN = 64;
layout(constant_id = 3) const uint BK = 16;
layout(constant_id = 4) const uint TM = 4;
layout(constant_id = 5) const uint TN = 4;

BUF_RO (0, float, a);
BUF_RO (1, WTYPE, w);
BUF_RO (2, float, bias);
BUF_WO (3, float, o);

layout(push_constant) uniform Push {
  uint M, N, K, ldo, has_bias;
  uint o_a, o_w, o_bias, o_o;
} pc;

/* +1 padding: a column walk in the transposed tiles hits distinct banks */
shared float sa[BK * (BM + 1)]; /* [k][m] */
shared float sw[BK * (BN + 1)]; /* [k][n] */

void
main ()
{
  const uint TX = BN / TN, TY = BM / TM, WG = TX * TY;
  const uint lid = gl_LocalInvocationID.x;
  const uint tx = lid % TX, ty = lid / TX;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;

  float acc[TM * TN];
  [[unroll]] for (uint i = 0; i < TM * TN; i++)
    acc[i] = 0.0;

  for (uint k0 = 0; k0 < pc.K; k0 += BK)
    {
      /* consecutive invocations read consecutive k: coalesced rows */
      for (uint i = lid; i < BM * BK; i += WG)
        {
          uint r = i / BK, kk = i % BK, m = m0 + r, k = k0 + kk;
          sa[kk * (BM + 1) + r] = (m < pc.M && k < pc.K) ? a[pc.o_a + m * pc.K + k] : 0.0;
        }
      for (uint i = lid; i < BN * BK; i += WG)
        {
          uint r = i / BK, kk = i % BK, n = n0 + r, k = k0 + kk;
          sw[kk * (BN + 1) + r] = (n < pc.N && k < pc.K) ? float (w[pc.o_w + n * pc.K + k]) : 0.0;
        }
      barrier ();

      for (uint kk = 0; kk < BK; kk++)
        {
          float av[TM], bv[TN];
          [[unroll]] for (uint i = 0; i < TM; i++)
            av[i] = sa[kk * (BM + 1) + ty + i * TY];
          [[unroll]] for (uint j = 0; j < TN; j++)
            bv[j] = sw[kk * (BN + 1) + tx + j * TX];
          [[unroll]] for (uint i = 0; i < TM; i++)
            [[unroll]] for (uint j = 0; j < TN; j++)
              acc[i * TN + j] = fma (av[i], bv[j], acc[i * TN + j]);
        }
      barrier ();
    }

  [[unroll]] for (uint i = 0; i < TM; i++)
    {
      uint m = m0 + ty + i * TY;
      if (m >= pc.M)
        continue;
      [[unroll]] for (uint j = 0; j < TN; j++)
        {
          uint n = n0 + tx + j * TX;
          if (n < pc.N)
            o[pc.o_o + m * pc.ldo + n] = acc[i * TN + j] + (pc.has_bias != 0 ? bias[pc.o_bias + n] : 0.0);
        }
    }
}
