// sin and cos of an f32 angle, within 1e-7 absolute for |angle| up to 1e6 (2e-7 up to
// 4e6; checked against double on the CPU with this exact sequence of f32 operations)
// on every device. Vulkan only requires the built-in sin/cos to be within 2^-11 inside
// [-pi, pi] and nothing outside, while RoPE angles reach position * 1 = 1e5 and more.
//
// Reduction: k = round(a * 2/pi), r = a - k*pi/2 with pi/2 = HI + MID + LO; k*HI is
// formed exactly (Dekker's product of 12-bit halves, so no FMA is needed) and a - k*HI
// is exact (the two are within a factor of two). Then Taylor series on |r| <= pi/4
// (truncation below 2e-9) and the quadrant k mod 4. `precise` keeps the compiler from
// fusing or reordering the error-free steps.
#ifndef VOLE_SINCOS_GLSL
#define VOLE_SINCOS_GLSL

const float kPio2Hi = 1.5707963705062866;        // f32(pi/2)
const float kPio2HiHi = 1.5703125;               // its top 12 significant bits
const float kPio2HiLo = 0.0004838705062866211;   // the rest: kPio2HiHi + kPio2HiLo == kPio2Hi
const float kPio2Mid = -4.371138828673793e-08;   // f32(pi/2 - kPio2Hi)
const float kPio2Lo = -1.7151245100058819e-15;   // f32(pi/2 - kPio2Hi - kPio2Mid)

vec2 sincos_accurate(float a) {
  precise float k = round(a * 0.6366197466850281);
  int ki = int(k);
  // k = kh + kl, both with k's sign and <= 12 significant bits (|k| < 2^24), kh nearest k.
  int ka = abs(ki);
  float sign = ki < 0 ? -1.0 : 1.0;
  precise float kh = sign * float(ka & ~0xfff);
  precise float kl = sign * float(ka & 0xfff);
  precise float p = k * kPio2Hi;
  precise float e = ((kh * kPio2HiHi - p) + kh * kPio2HiLo + kl * kPio2HiHi) + kl * kPio2HiLo;  // k*HI = p + e
  precise float r = (((a - p) - e) - k * kPio2Mid) - k * kPio2Lo;
  precise float r2 = r * r;
  precise float s = r + r * r2 * (-1.0 / 6.0 + r2 * (1.0 / 120.0 + r2 * (-1.0 / 5040.0 + r2 * (1.0 / 362880.0))));
  precise float c = 1.0 - 0.5 * r2 +
                    r2 * r2 * (1.0 / 24.0 + r2 * (-1.0 / 720.0 + r2 * (1.0 / 40320.0 + r2 * (-1.0 / 3628800.0))));
  switch (ki & 3) {
    case 0: return vec2(s, c);
    case 1: return vec2(c, -s);
    case 2: return vec2(-s, -c);
    default: return vec2(-c, s);
  }
}

#endif
