/* x[n] += y[n] (the residual connection) */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RW (0, float, x);
BUF_RO (1, float, y);

layout(push_constant) uniform Push {
  uint n, o_x, o_y;
} pc;

void
main ()
{
  uint i = flat_id ();
  if (i < pc.n)
    x[pc.o_x + i] += y[pc.o_y + i];
}
