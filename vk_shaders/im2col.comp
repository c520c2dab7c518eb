/* out[B*G*G, 3*P*P] = patches of pixels[B, 3, S, S] in (c, py, px) order,
 * one invocation per output element (the patch conv then is one GEMM). */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, px);
BUF_WO (1, float, o);

layout(push_constant) uniform Push {
  uint B, S, P;
  uint o_px, o_o;
} pc;

void
main ()
{
  const uint G = pc.S / pc.P, PP = pc.P * pc.P, K = 3 * PP;
  uint i = flat_id ();
  if (i >= pc.B * G * G * K)
    return;
  uint row = i / K, col = i % K;
  uint b = row / (G * G), g = row % (G * G), gy = g / G, gx = g % G;
  uint c = col / PP, r = col % PP, py = r / pc.P, pxx = r % pc.P;
  o[pc.o_o + i] = px[pc.o_px + ((b * 3 + c) * pc.S + gy * pc.P + py) * pc.S + gx * pc.P + pxx];
}
