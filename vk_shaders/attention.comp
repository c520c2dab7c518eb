/* out[B*T, C] = softmax(q kᵀ / sqrt(Dh)) v per batch and head; q, k, v are
 * [B*T, C] with head h at columns h*Dh.
 *
 * Fused per head, flash-attention style: a workgroup owns BQ queries of one
 * (batch, head) and walks the keys in blocks of BKV staged in shared memory,
 * keeping a running row maximum m, a running sum l and the unnormalised
 * output O:  m' = max(m, max_j s_j),  p_j = exp(s_j − m'),
 *            l' = l·exp(m − m') + Σ p_j,  O' = O·exp(m − m') + Σ p_j v_j.
 * The softmax is therefore max-subtracted and T is not limited by shared
 * memory.  DH, BQ and BKV are specialisation constants (the host sizes the
 * blocks to fit maxComputeSharedMemorySize). */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(constant_id = 1) const uint BQ = 16;
layout(constant_id = 2) const uint BKV = 32;
layout(constant_id = 3) const uint DH = 64;

BUF_RO (0, float, q);
BUF_RO (1, float, k);
BUF_RO (2, float, v);
BUF_WO (3, float, o);

layout(push_constant) uniform Push {
  uint T, C;
  float scale;
  uint o_q, o_k, o_v, o_o;
  uint qblock0, h0; /* first query block and head of this dispatch */
} pc;

shared float sq[BQ * DH];   /* queries, pre-scaled */
shared float sk[BKV * DH];
shared float sv[BKV * DH];
shared float ss[BQ * BKV];  /* scores, then probabilities */
shared float so[BQ * DH];   /* unnormalised output */
shared float sm[BQ], sl[BQ], salpha[BQ];

void
main ()
{
  const uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
  const uint q0 = (pc.qblock0 + gl_WorkGroupID.x) * BQ, h = pc.h0 + gl_WorkGroupID.y, bt = gl_WorkGroupID.z;
  const uint base = bt * pc.T * pc.C + h * DH; /* element (b, t=0, head h, d=0) */

  for (uint i = lid; i < BQ * DH; i += WG)
    {
      uint r = i / DH, d = i % DH, t = q0 + r;
      sq[i] = t < pc.T ? q[pc.o_q + base + t * pc.C + d] * pc.scale : 0.0;
      so[i] = 0.0;
    }
  for (uint r = lid; r < BQ; r += WG)
    {
      sm[r] = NEG_BIG;
      sl[r] = 0.0;
    }
  barrier ();

  for (uint j0 = 0; j0 < pc.T; j0 += BKV)
    {
      for (uint i = lid; i < BKV * DH; i += WG)
        {
          uint r = i / DH, d = i % DH, t = j0 + r;
          bool in_range = t < pc.T;
          sk[i] = in_range ? k[pc.o_k + base + t * pc.C + d] : 0.0;
          sv[i] = in_range ? v[pc.o_v + base + t * pc.C + d] : 0.0;
        }
      barrier ();

      for (uint i = lid; i < BQ * BKV; i += WG)
        {
          uint r = i / BKV, c = i % BKV;
          float s = 0.0;
          for (uint d = 0; d < DH; d++)
            s = fma (sq[r * DH + d], sk[c * DH + d], s);
          ss[i] = j0 + c < pc.T ? s : NEG_BIG;
        }
      barrier ();

      for (uint r = lid; r < BQ; r += WG)
        {
          float m_old = sm[r], m = m_old;
          for (uint c = 0; c < BKV; c++)
            m = max (m, ss[r * BKV + c]);
          float sum = 0.0;
          for (uint c = 0; c < BKV; c++)
            {
              float p = exp (ss[r * BKV + c] - m);
              ss[r * BKV + c] = p;
              sum += p;
            }
          float alpha = exp (m_old - m);
          salpha[r] = alpha;
          sl[r] = sl[r] * alpha + sum;
          sm[r] = m;
        }
      barrier ();

      for (uint i = lid; i < BQ * DH; i += WG)
        {
          uint r = i / DH, d = i % DH;
          float acc = so[i] * salpha[r];
          for (uint c = 0; c < BKV; c++)
            acc = fma (ss[r * BKV + c], sv[c * DH + d], acc);
          so[i] = acc;
        }
      barrier ();
    }

  for (uint i = lid; i < BQ * DH; i += WG)
    {
      uint r = i / DH, d = i % DH, t = q0 + r;
      if (t < pc.T)
        o[pc.o_o + base + t * pc.C + d] = so[i] / sl[r];
    }
}
