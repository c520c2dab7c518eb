/* out[n] = float(in16[n]): makes the fp32 view of an fp16-stored weight
 * once, for ops whose weights stay fp32 (biases, norms, embeddings) when the
 * backend stores weights in fp16. */
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_shader_16bit_storage : require
#include "common.glsl"

BUF_RO (0, float16_t, h);
BUF_WO (1, float, o);

layout(push_constant) uniform Push {
  uint n, o_h, o_o;
} pc;

void
main ()
{
  uint i = flat_id ();
  if (i < pc.n)
    o[pc.o_o + i] = float (h[pc.o_h + i]);
}
