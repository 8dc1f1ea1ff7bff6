// Recurrent layers (RNN tanh/relu, LSTM, GRU): one call runs a whole layer, every timestep
// and both directions, forward or backward. PyTorch's layouts and formulas:
//   weights per direction: w_ih [G*H, I], w_hh [G*H, H], b_ih [G*H], b_hh [G*H] (biases optional)
//   G = 4 for LSTM (gates i, f, g, o), 3 for GRU (r, z, n), 1 for RNN.
//   LSTM: i, f, o = sigmoid(.), g = tanh(.) of W_ih x + b_ih + W_hh h + b_hh;
//         c' = f * c + i * g, h' = o * tanh(c')
//   GRU:  r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
//         n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h
//   RNN:  h' = tanh or relu(W_ih x + b_ih + W_hh h + b_hh)
// Everything is time-major: x [T, N, I], y [T, N, D*H] (direction d writes columns d*H..d*H+H).
// The input projections of all timesteps are one GEMM up front; each step adds one GEMM of
// the hidden state; the gate math of a step is one fused pointwise pass.
#pragma once
#include <vector>

#include "core/context.h"

namespace flint {

// The order of PyTorch's cuDNN modes; lib/ops/rnn.ts mirrors it.
enum class RnnMode : int { RnnRelu = 0, RnnTanh = 1, Lstm = 2, Gru = 3 };

const char* rnn_mode_name(RnnMode m);  // "RNN", "LSTM", "GRU": the layer errors name
int rnn_gates(RnnMode m);              // G: 1, 4, 3

// One direction's weights; a bias without storage is absent.
struct RnnWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

// packed = [y (T*N*D*H) | h_n (D*N*H) | c_n (D*N*H, LSTM only)], one flat tensor so that one
// autograd node owns every output. workspace holds what backward needs (gate activations and
// cells; empty for RNN) and is made only when train is true.
struct RnnForwardResult {
  Tensor packed;
  Tensor workspace;
};

// x [T, N, I] (T >= 1); hx, cx [D, N, H] or null for zeros (cx: LSTM only).
RnnForwardResult rnn_layer_forward(Context& ctx, RnnMode mode, const Tensor& x, const Tensor* hx, const Tensor* cx,
                                   const std::vector<RnnWeights>& w, bool train);

struct RnnBackwardResult {
  Tensor dx;                   // [T, N, I], only when need_input
  Tensor dhx, dcx;             // [D, N, H] (dcx: LSTM only)
  std::vector<RnnWeights> dw;  // only when need_weights; absent biases stay absent
};

// dpacked: the gradient of packed (same shape). The other arguments are the forward's.
RnnBackwardResult rnn_layer_backward(Context& ctx, RnnMode mode, const Tensor& x, const Tensor* hx, const Tensor* cx,
                                     const std::vector<RnnWeights>& w, const Tensor& packed, const Tensor& workspace,
                                     const Tensor& dpacked, bool need_input, bool need_weights);

// Vectorised float32 activations (rnn_act.h); the AVX2+FMA build when the CPU has it.
void rnn_sigmoid_f32_avx2(float* y, const float* x, int64_t n);
void rnn_tanh_f32_avx2(float* y, const float* x, int64_t n);

}  // namespace flint
