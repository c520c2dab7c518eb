/* 3x3 depthwise convolution of an NHWC map, TensorFlow SAME padding:
 *   out[b,oy,ox,c] = bias[c] + Σ_{ky,kx} w[c,ky,kx] · in[b, oy·stride − pad_y + ky, ox·stride − pad_x + kx, c]
 * (taps outside the input are zeros), then min(max(·, 0), 6) when relu6.
 * in [B,H,W,C], w [C,1,3,3] (PyTorch's depthwise layout), bias [C] when
 * has_bias.  The host works out Ho, Wo and the padding ahead of row and
 * column 0 (rali_conv_axis).  One invocation per output element, channels
 * fastest, so that neighbouring invocations read neighbouring words. */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, x);
BUF_RO (1, float, w);
BUF_RO (2, float, bias);
BUF_WO (3, float, o);

layout(push_constant) uniform Push {
  uint B, H, W, C;
  uint Ho, Wo, stride, pad_y, pad_x;
  uint has_bias, relu6;
  uint o_x, o_w, o_bias, o_o;
} pc;

void
main ()
{
  uint i = flat_id ();
  if (i >= pc.B * pc.Ho * pc.Wo * pc.C)
    return;
  uint c = i % pc.C, p = i / pc.C;
  uint ox = p % pc.Wo, oy = (p / pc.Wo) % pc.Ho, b = p / (pc.Wo * pc.Ho);
  float acc = pc.has_bias != 0 ? bias[pc.o_bias + c] : 0.0;
  for (uint ky = 0; ky < 3; ky++)
    {
      /* signed: the padding reaches before row and column 0 */
      int y = int (oy * pc.stride + ky) - int (pc.pad_y);
      if (y < 0 || y >= int (pc.H))
        continue;
      for (uint kx = 0; kx < 3; kx++)
        {
          int xx = int (ox * pc.stride + kx) - int (pc.pad_x);
          if (xx < 0 || xx >= int (pc.W))
            continue;
          acc = fma (w[pc.o_w + c * 9 + ky * 3 + kx], x[pc.o_x + ((b * pc.H + uint (y)) * pc.W + uint (xx)) * pc.C + c], acc);
        }
    }
  if (pc.relu6 != 0)
    acc = min (max (acc, 0.0), 6.0);
  o[pc.o_o + i] = acc;
}
