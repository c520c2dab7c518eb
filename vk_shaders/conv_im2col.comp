/* Convolution as GEMM: out[B*Ho*Wo, Cin*k*k], columns in (c, ky, kx) order
 * like a PyTorch weight [Cout, Cin, k, k]; zero padding, pad_y rows above
 * and pad_x columns left of the input (the host works them and Ho, Wo out:
 * symmetric as PyTorch, or TensorFlow's SAME with its odd pixel after the
 * end).  `in` is [B, Cin, H, W] (nhwc 0, the pixels) or [B, H, W, Cin]
 * (nhwc 1, a previous GEMM's output).  One invocation per output element. */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, x);
BUF_WO (1, float, o);

layout(push_constant) uniform Push {
  uint B, Cin, H, W;
  uint k, stride, pad_y, pad_x, nhwc;
  uint Ho, Wo;
  uint o_x, o_o;
} pc;

void
main ()
{
  const uint kk = pc.k * pc.k, K = pc.Cin * kk;
  uint i = flat_id ();
  if (i >= pc.B * pc.Ho * pc.Wo * K)
    return;
  uint row = i / K, col = i % K;
  uint b = row / (pc.Ho * pc.Wo), oy = (row / pc.Wo) % pc.Ho, ox = row % pc.Wo;
  uint c = col / kk, ky = (col % kk) / pc.k, kx = col % pc.k;
  /* signed: the padding reaches before row and column 0 */
  int y = int (oy * pc.stride + ky) - int (pc.pad_y), xx = int (ox * pc.stride + kx) - int (pc.pad_x);
  float v = 0.0;
  if (y >= 0 && y < int (pc.H) && xx >= 0 && xx < int (pc.W))
    v = pc.nhwc != 0 ? x[pc.o_x + ((b * pc.H + uint (y)) * pc.W + uint (xx)) * pc.Cin + c]
                     : x[pc.o_x + ((b * pc.Cin + c) * pc.H + uint (y)) * pc.W + uint (xx)];
  o[pc.o_o + i] = v;
}
