/* x[n] = act(x): act 0 = quick_gelu x·sigmoid(1.702x) (OpenAI CLIP),
 * act 1 = exact gelu 0.5x(1 + erf(x/√2)), act 2 = relu (the conv stem),
 * act 3 = relu6 min(max(x, 0), 6) (MobileNetV2).
 * The activation is a push constant, so one pipeline serves all. */
#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

BUF_RW (0, float, x);

layout(push_constant) uniform Push {
  uint n, act, o_x;
} pc;

/* erf by Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7 (GLSL has no erf) */
float
erf_as (float z)
{
  float a = abs (z);
  float t = 1.0 / (1.0 + 0.3275911 * a);
  float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  float r = 1.0 - poly * exp (-a * a);
  return z < 0.0 ? -r : r;
}

void
main ()
{
  uint i = flat_id ();
  if (i >= pc.n)
    return;
  float v = x[pc.o_x + i];
  if (pc.act == 0u)
    v = v / (1.0 + exp (-1.702 * v));
  else if (pc.act == 1u)
    v = 0.5 * v * (1.0 + erf_as (v * 0.70710678118654752));
  else if (pc.act == 2u)
    v = max (v, 0.0);
  else
    v = min (max (v, 0.0), 6.0);
  x[pc.o_x + i] = v;
}
