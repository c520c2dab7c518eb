/* out[B,T,C]: row 0 = cls + pos[0], row t = patches[B,T-1,C][t-1] + pos[t] */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RO (0, float, patches);
BUF_RO (1, float, cls);
BUF_RO (2, float, pos);
BUF_WO (3, float, o);

layout(push_constant) uniform Push {
  uint B, T, C;
  uint o_patches, o_cls, o_pos, o_o;
} pc;

void
main ()
{
  uint i = flat_id ();
  if (i >= pc.B * pc.T * pc.C)
    return;
  uint b = i / (pc.T * pc.C), t = (i / pc.C) % pc.T, c = i % pc.C;
  float src = t == 0 ? cls[pc.o_cls + c] : patches[pc.o_patches + (b * (pc.T - 1) + t - 1) * pc.C + c];
  o[pc.o_o + i] = src + pos[pc.o_pos + t * pc.C + c];
}
