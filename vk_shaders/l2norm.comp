/* out[R,D] = in / max(|in|₂, 1e-12) per row (torch F.normalize), one
 * workgroup per row.
 *
 * Two reductions over the row: m = max|x|, then Σ (x/m)², so that neither
 * large rows (|x| > 1.8e19, whose squares overflow fp32) nor small ones
 * lose the norm; |x| = m · sqrt(Σ (x/m)²).  A zero row has norm 0, clamped
 * to 1e-12 like everywhere else, and stays zero.
 * Reductions go through shared memory, so any subgroup size works.
 * out may alias in: each invocation reads and writes only its own
 * elements (i ≡ lid mod WG). */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, x);
BUF_WO (1, float, o);

layout(push_constant) uniform Push {
  uint R, D;
  uint o_x, o_o;
} pc;

shared float red[gl_WorkGroupSize.x];

/* tree reduction for any workgroup size, power of two or not; every
 * invocation gets the result */
float
block_reduce (float v, bool is_max)
{
  const uint lid = gl_LocalInvocationID.x;
  red[lid] = v;
  barrier ();
  for (uint n = gl_WorkGroupSize.x; n > 1;)
    {
      uint half_n = (n + 1) / 2;
      if (lid < n - half_n)
        red[lid] = is_max ? max (red[lid], red[lid + half_n]) : red[lid] + red[lid + half_n];
      n = half_n;
      barrier ();
    }
  float r = red[0];
  barrier ();
  return r;
}

void
main ()
{
  const uint row = flat_group ();
  if (row >= pc.R)
    return; /* uniform per workgroup: no barrier is skipped by half a group */
  const uint lid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
  const uint base = pc.o_x + row * pc.D;

  float m = 0.0;
  for (uint i = lid; i < pc.D; i += WG)
    m = max (m, abs (x[base + i]));
  m = block_reduce (m, true);

  float s = 0.0;
  if (m > 0.0) /* uniform: m is the same for the whole workgroup */
    for (uint i = lid; i < pc.D; i += WG)
      {
        float y = x[base + i] / m;
        s += y * y;
      }
  const float norm = m * sqrt (block_reduce (s, false));
  const float inv = 1.0 / max (norm, 1e-12);

  for (uint i = lid; i < pc.D; i += WG)
    o[pc.o_o + row * pc.D + i] = x[base + i] * inv;
}
