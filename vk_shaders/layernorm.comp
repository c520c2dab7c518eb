/* out[R,C] = (in − mean)/sqrt(var + eps) · w + b, one workgroup per row.
 *
 * Two passes over the row (mean, then Σ(x − mean)²), on data shifted by the
 * row's first element: never E[x²] − mean².
 * Reductions go through shared memory, so any subgroup size works.
 * out may alias in: every invocation reads all it needs before the last
 * barrier and then writes only its own elements. */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, x);
BUF_RO (1, float, w);
BUF_RO (2, float, b);
BUF_WO (3, float, o);

layout(push_constant) uniform Push {
  uint R, C;
  float eps;
  uint o_x, o_w, o_b, o_o;
} pc;

shared float red[gl_WorkGroupSize.x];

float
block_sum (float v)
{
  const uint lid = gl_LocalInvocationID.x;
  red[lid] = v;
  barrier ();
  /* works for any workgroup size, power of two or not */
  for (uint n = gl_WorkGroupSize.x; n > 1;)
    {
      uint half_n = (n + 1) / 2;
      if (lid < n - half_n)
        red[lid] += red[lid + half_n];
      n = half_n;
      barrier ();
    }
  float s = red[0];
  barrier ();
  return s;
}

void
main ()
{
  const uint row = flat_group ();
  if (row >= pc.R)
    return; /* uniform per workgroup: no barrier is skipped by half a group */
  const uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
  const uint base = pc.o_x + row * pc.C;

  /* shifted by the row's first element: sums of x − x0 stay small, so a
   * row with mean 1000 and spread 1 keeps its digits in fp32 */
  const float x0 = x[base];
  float s = 0.0;
  for (uint i = lid; i < pc.C; i += WG)
    s += x[base + i] - x0;
  const float mean = block_sum (s) / float (pc.C); /* of x − x0 */

  float v = 0.0;
  for (uint i = lid; i < pc.C; i += WG)
    {
      float d = (x[base + i] - x0) - mean;
      v += d * d;
    }
  const float rstd = inversesqrt (block_sum (v) / float (pc.C) + pc.eps);

  for (uint i = lid; i < pc.C; i += WG)
    o[pc.o_o + row * pc.C + i] = ((x[base + i] - x0) - mean) * rstd * w[pc.o_w + i] + b[pc.o_b + i];
}
