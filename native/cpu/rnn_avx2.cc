// The recurrent kernels' float32 activations built for AVX2+FMA (8 lanes); rnn.cc calls them
// only when cpuid reports both.
#include "cpu/rnn.h"
#include "cpu/rnn_act.h"

namespace flint {

void rnn_sigmoid_f32_avx2(float* y, const float* x, int64_t n) { rnn_act::sigmoid_array(y, x, n); }
void rnn_tanh_f32_avx2(float* y, const float* x, int64_t n) { rnn_act::tanh_array(y, x, n); }

}  // namespace flint
