/* Global average pool of an NHWC map: out[b·ldo + c] = (1/N) Σ_n in[B,N,C][b, n, c]
 * (N = H·W).  The host binds out from the first image's first pooled
 * column, so that maps of several widths land side by side in the rows of
 * one [B, ldo] matrix (MobileNetV2's pooled taps).  One invocation per
 * (image, channel), walking the N positions: consecutive invocations read
 * consecutive channels. */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, x);
BUF_WO (1, float, o);

layout(push_constant) uniform Push {
  uint B, N, C, ldo;
  uint o_x, o_o;
} pc;

void
main ()
{
  uint i = flat_id ();
  if (i >= pc.B * pc.C)
    return;
  uint b = i / pc.C, c = i % pc.C;
  uint base = pc.o_x + b * pc.N * pc.C + c;
  float acc = 0.0;
  for (uint n = 0; n < pc.N; n++)
    acc += x[base + n * pc.C];
  o[pc.o_o + b * pc.ldo + c] = acc / float (pc.N);
}
