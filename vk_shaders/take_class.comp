/* out[B,C] = in[B,T,C][:, 0, :] */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, x);
BUF_WO (1, float, o);

layout(push_constant) uniform Push {
  uint B, T, C;
  uint o_x, o_o;
} pc;

void
main ()
{
  uint i = flat_id ();
  if (i < pc.B * pc.C)
    o[pc.o_o + i] = x[pc.o_x + (i / pc.C) * pc.T * pc.C + i % pc.C];
}
