// Recurrent layers on the CPU: whole-sequence forward and backward of RNN (tanh/relu), LSTM
// and GRU layers, both directions, in one call each (the formulas are in cpu/rnn.h).
//
// Forward, per direction: gates = x W_ih^T + bias for all T*N rows in one GEMM; then for each
// step, gates[t] += h_{t-1} W_hh^T (GRU: a separate buffer, since r multiplies its n part) and
// one fused pointwise pass computes the activations, c_t and h_t. h_t goes straight into y.
// Backward, per direction, steps in reverse: a fused pointwise pass turns dh (dy[t] plus the
// recurrent part) into the pre-activation gradients dG[t], then dh_{t-1} = dG[t] W_hh (one
// GEMM). The weight gradients and dx are then three big GEMMs over all T*N rows:
// dW_ih = dG^T x, dW_hh = dG^T h_prev, dx = dG W_ih.
//
// Workspace (saved for backward), per direction, time-major:
//   LSTM: gates [T, N, 4H] (activated i, f, g, o) | c [T, N, H] | tanh(c) [T, N, H]
//   GRU:  gates [T, N, 3H] (r, z, n)              | W_hn h + b_hn [T, N, H]
//   RNN:  none (the forward's pre-activation buffer [T, N, H] is scratch; backward uses y).
#include "cpu/rnn.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/threadpool.h"
#include "cpu/gemm.h"
#include "cpu/rnn_act.h"  // last: its optimize pragma covers the loops below

namespace flint {

const char* rnn_mode_name(RnnMode m) {
  switch (m) {
    case RnnMode::Lstm: return "LSTM";
    case RnnMode::Gru: return "GRU";
    default: return "RNN";
  }
}

int rnn_gates(RnnMode m) {
  switch (m) {
    case RnnMode::Lstm: return 4;
    case RnnMode::Gru: return 3;
    default: return 1;
  }
}

namespace {

// ---- activations over arrays: float32 vectorised (AVX2+FMA when the CPU has it), float64 from libm ----

using ActFn = void (*)(float*, const float*, int64_t);
struct Acts {
  ActFn sigmoid, tanh;
};
const Acts& f32_acts() {
  static const Acts a = cpu_has_avx2_fma() ? Acts{rnn_sigmoid_f32_avx2, rnn_tanh_f32_avx2}
                                           : Acts{rnn_act::sigmoid_array, rnn_act::tanh_array};
  return a;
}
inline void sigmoid_n(float* y, const float* x, int64_t n) { f32_acts().sigmoid(y, x, n); }
inline void tanh_n(float* y, const float* x, int64_t n) { f32_acts().tanh(y, x, n); }
inline void sigmoid_n(double* y, const double* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = 1.0 / (1.0 + std::exp(-x[i]));
}
inline void tanh_n(double* y, const double* x, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = std::tanh(x[i]);
}

// C = A B + beta C over strided operands (cpu/gemm.h).
inline void mm(ThreadPool* p, int64_t M, int64_t N, int64_t K, const float* A, int64_t rsa, int64_t csa,
               const float* B, int64_t rsb, int64_t csb, float beta, float* C, int64_t rsc) {
  gemm_f32(p, M, N, K, 1.0f, A, rsa, csa, B, rsb, csb, beta, C, rsc);
}
inline void mm(ThreadPool* p, int64_t M, int64_t N, int64_t K, const double* A, int64_t rsa, int64_t csa,
               const double* B, int64_t rsb, int64_t csb, double beta, double* C, int64_t rsc) {
  gemm_f64(p, M, N, K, 1.0, A, rsa, csa, B, rsb, csb, beta, C, rsc);
}

// Rows [0, n) of a pointwise pass, split over the pool when there is enough work
// (about 16k elements a chunk: below that, waking a thread costs more than it saves).
template <class F>
void rows(ThreadPool* pool, int64_t n, int64_t elems_per_row, F&& f) {
  int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(elems_per_row, 1));
  pool->parallel_for(n, grain, [&](int64_t n0, int64_t n1) {
    for (int64_t i = n0; i < n1; i++) f(i);
  });
}

// out[c] = sum_r a[r, c] for a [rows, cols] contiguous.
template <class T>
void col_sums(ThreadPool* pool, T* out, const T* a, int64_t nrows, int64_t cols) {
  pool->parallel_for(cols, nrows * cols > 65536 ? 64 : cols, [&](int64_t c0, int64_t c1) {
    std::fill(out + c0, out + c1, T(0));
    for (int64_t r = 0; r < nrows; r++) {
      const T* row = a + r * cols;
      for (int64_t c = c0; c < c1; c++) out[c] += row[c];
    }
  });
}

// ---- the fused cells: one row (one batch element) of one step ----

// g [4H]: pre-activations in, activated (i, f, g, o) out. c = f * cp + i * g, tc = tanh(c), h = o * tc.
template <class T>
void lstm_cell_forward(T* h, T* c, T* tc, T* g, const T* cp, int64_t H) {
  sigmoid_n(g, g, 2 * H);
  tanh_n(g + 2 * H, g + 2 * H, H);
  sigmoid_n(g + 3 * H, g + 3 * H, H);
  const T *gi = g, *gf = g + H, *gg = g + 2 * H, *go = g + 3 * H;
  for (int64_t j = 0; j < H; j++) c[j] = gf[j] * cp[j] + gi[j] * gg[j];
  tanh_n(tc, c, H);
  for (int64_t j = 0; j < H; j++) h[j] = go[j] * tc[j];
}

// gx [3H]: x W_ih^T + b_ih in, (r, z, n) out; gh [3H]: h W_hh^T + b_hh; hn = gh's n part (saved).
template <class T>
void gru_cell_forward(T* h, T* hn, T* gx, const T* gh, const T* hp, int64_t H) {
  for (int64_t j = 0; j < 2 * H; j++) gx[j] += gh[j];
  sigmoid_n(gx, gx, 2 * H);
  T *r = gx, *z = gx + H, *n = gx + 2 * H;
  for (int64_t j = 0; j < H; j++) {
    hn[j] = gh[2 * H + j];
    n[j] += r[j] * hn[j];
  }
  tanh_n(n, n, H);
  for (int64_t j = 0; j < H; j++) h[j] = (T(1) - z[j]) * n[j] + z[j] * hp[j];
}

template <class T>
void rnn_cell_forward(T* h, const T* g, int64_t H, bool relu) {
  if (relu)
    for (int64_t j = 0; j < H; j++) h[j] = g[j] > T(0) ? g[j] : T(0);
  else
    tanh_n(h, g, H);
}

// dh: in, the gradient from step t+1 (h_t's use in the next step); dy: h_t's use in y.
// dc: in/out (c_t's gradient in, c_{t-1}'s out). dg [4H]: the pre-activation gradients.
template <class T>
void lstm_cell_backward(T* __restrict dg, T* __restrict dc, const T* __restrict dh, const T* __restrict dy,
                        const T* __restrict g, const T* __restrict tc, const T* __restrict cp, int64_t H) {
  const T *gi = g, *gf = g + H, *gg = g + 2 * H, *go = g + 3 * H;
  for (int64_t j = 0; j < H; j++) {
    T i = gi[j], f = gf[j], gv = gg[j], o = go[j], t = tc[j];
    T dhj = dy[j] + dh[j];
    T dcj = dc[j] + dhj * o * (T(1) - t * t);
    dg[j] = dcj * gv * i * (T(1) - i);
    dg[H + j] = dcj * cp[j] * f * (T(1) - f);
    dg[2 * H + j] = dcj * i * (T(1) - gv * gv);
    dg[3 * H + j] = dhj * t * o * (T(1) - o);
    dc[j] = dcj * f;
  }
}

// dh: in, the gradient from step t+1; out, the direct part of dh_{t-1} (dh * z).
// dgi, dgh [3H]: gradients of x W_ih^T + b_ih and of h W_hh^T + b_hh.
template <class T>
void gru_cell_backward(T* __restrict dgi, T* __restrict dgh, T* __restrict dh, const T* __restrict dy,
                       const T* __restrict g, const T* __restrict hn, const T* __restrict hp, int64_t H) {
  const T *gr = g, *gz = g + H, *gn = g + 2 * H;
  for (int64_t j = 0; j < H; j++) {
    T r = gr[j], z = gz[j], n = gn[j];
    T dhj = dy[j] + dh[j];
    T dan = dhj * (T(1) - z) * (T(1) - n * n);
    T dar = dan * hn[j] * r * (T(1) - r);
    T daz = dhj * (hp[j] - n) * z * (T(1) - z);
    dgi[j] = dar;
    dgi[H + j] = daz;
    dgi[2 * H + j] = dan;
    dgh[j] = dar;
    dgh[H + j] = daz;
    dgh[2 * H + j] = dan * r;
    dh[j] = dhj * z;
  }
}

template <class T>
void rnn_cell_backward(T* __restrict dg, const T* __restrict dh, const T* __restrict dy, const T* __restrict h,
                       int64_t H, bool relu) {
  for (int64_t j = 0; j < H; j++) {
    T dhj = dy[j] + dh[j];
    dg[j] = relu ? (h[j] > T(0) ? dhj : T(0)) : dhj * (T(1) - h[j] * h[j]);
  }
}

// ---- checks ----

struct Dims {
  int64_t T, N, I, H, D, G;
  int64_t ws;  // workspace elements per direction
};

int64_t workspace_per_dir(RnnMode mode, int64_t T, int64_t N, int64_t H) {
  switch (mode) {
    case RnnMode::Lstm: return T * N * 6 * H;
    case RnnMode::Gru: return T * N * 4 * H;
    default: return T * N * H;
  }
}

std::string expect_shape(const char* layer, const std::string& what, const Shape& want, const Shape& got) {
  return std::string(layer) + ": expected " + what + " of shape " + shape_str(want) + " but got " + shape_str(got);
}

Dims check_layer(RnnMode mode, const Tensor& x, const Tensor* hx, const Tensor* cx, const std::vector<RnnWeights>& w) {
  const char* L = rnn_mode_name(mode);
  if (!is_float(x.dtype))
    throw TypeError(std::string(L) + ": expected a float32 or float64 input but got " + dtype_name(x.dtype));
  if (x.dim() != 3)
    throw RangeError(std::string(L) + ": expected input of shape [seq_len, batch, input_size] but got " + shape_str(x.shape));
  if (w.size() != 1 && w.size() != 2)
    throw RangeError(std::string(L) + ": expected the weights of 1 or 2 directions but got " + std::to_string(w.size()));
  Dims d;
  d.T = x.shape[0];
  d.N = x.shape[1];
  d.I = x.shape[2];
  d.D = (int64_t)w.size();
  d.G = rnn_gates(mode);
  if (d.T < 1) throw RangeError(std::string(L) + ": expected a sequence length > 0 but got input of shape " + shape_str(x.shape));
  if (!w[0].w_hh.storage || w[0].w_hh.dim() != 2)
    throw RangeError(std::string(L) + ": expected weight_hh to be a 2-D tensor [gates * hidden_size, hidden_size]");
  d.H = w[0].w_hh.shape[1];
  if (d.H < 1) throw RangeError(std::string(L) + ": expected hidden_size > 0 but weight_hh has shape " + shape_str(w[0].w_hh.shape));
  int64_t GH = d.G * d.H;
  for (int64_t k = 0; k < d.D; k++) {
    std::string sfx = k ? "_reverse" : "";
    const RnnWeights& wk = w[k];
    const std::pair<const Tensor*, std::pair<std::string, Shape>> all[] = {
        {&wk.w_ih, {"weight_ih" + sfx, {GH, d.I}}},
        {&wk.w_hh, {"weight_hh" + sfx, {GH, d.H}}},
        {&wk.b_ih, {"bias_ih" + sfx, {GH}}},
        {&wk.b_hh, {"bias_hh" + sfx, {GH}}},
    };
    for (int i = 0; i < 4; i++) {
      const Tensor* t = all[i].first;
      const std::string& name = all[i].second.first;
      if (!t->storage) {
        if (i < 2) throw TypeError(std::string(L) + ": expected " + name + " to be a tensor");
        continue;
      }
      if (t->dtype != x.dtype)
        throw TypeError(std::string(L) + ": expected " + name + " to be " + dtype_name(x.dtype) + " like the input but got " +
                        dtype_name(t->dtype));
      if (t->shape != all[i].second.second) {
        std::string why = i == 0 ? " (input_size " + std::to_string(d.I) + ")" : "";
        throw RangeError(expect_shape(L, name, all[i].second.second, t->shape) + why);
      }
    }
  }
  Shape hshape = {d.D, d.N, d.H};
  for (int k = 0; k < 2; k++) {
    const Tensor* s = k ? cx : hx;
    const char* name = k ? "cx (the initial cell state)" : "hx (the initial hidden state)";
    if (!s) continue;
    if (k == 1 && mode != RnnMode::Lstm)
      throw TypeError(std::string(L) + ": got an initial cell state, but only LSTM has one");
    if (s->dtype != x.dtype)
      throw TypeError(std::string(L) + ": expected " + name + " to be " + dtype_name(x.dtype) + " like the input but got " +
                      dtype_name(s->dtype));
    if (s->shape != hshape) throw RangeError(expect_shape(L, name, hshape, s->shape));
  }
  d.ws = workspace_per_dir(mode, d.T, d.N, d.H);
  return d;
}

int64_t packed_size(RnnMode mode, const Dims& d) {
  return d.T * d.N * d.D * d.H + d.D * d.N * d.H * (mode == RnnMode::Lstm ? 2 : 1);
}

// Contiguous copies of the weights (the same tensors when already contiguous).
std::vector<RnnWeights> contiguous_weights(Context& ctx, const std::vector<RnnWeights>& w) {
  std::vector<RnnWeights> out(w.size());
  for (size_t k = 0; k < w.size(); k++) {
    out[k].w_ih = ctx.contiguous(w[k].w_ih);
    out[k].w_hh = ctx.contiguous(w[k].w_hh);
    if (w[k].b_ih.storage) out[k].b_ih = ctx.contiguous(w[k].b_ih);
    if (w[k].b_hh.storage) out[k].b_hh = ctx.contiguous(w[k].b_hh);
  }
  return out;
}

template <class T>
DType dtype_of();
template <>
DType dtype_of<float>() { return DType::F32; }
template <>
DType dtype_of<double>() { return DType::F64; }

template <class T>
const T* data_or_null(const Tensor& t) {
  return t.storage ? t.data<T>() : nullptr;
}

// ---- forward ----

template <class T>
void forward_impl(Context& ctx, RnnMode mode, const Dims& dm, const T* x, const T* hx, const T* cx,
                  const std::vector<RnnWeights>& w, T* packed, T* ws) {
  ThreadPool* pool = ctx.pool.get();
  const int64_t Tn = dm.T, N = dm.N, I = dm.I, H = dm.H, D = dm.D, GH = dm.G * dm.H, DH = D * H;
  const bool relu = mode == RnnMode::RnnRelu;
  T* y = packed;
  T* hy = packed + Tn * N * DH;
  T* cy = hy + D * N * H;
  Tensor zeros_t = ctx.empty({N * H}, dtype_of<T>());
  T* zeros = zeros_t.data<T>();
  std::fill(zeros, zeros + N * H, T(0));
  Tensor gh_t;  // GRU: h W_hh^T + b_hh of one step
  if (mode == RnnMode::Gru) gh_t = ctx.empty({N * GH}, dtype_of<T>());
  Tensor bias_t = ctx.empty({GH}, dtype_of<T>());
  T* bias = bias_t.data<T>();
  Tensor whhT_t = ctx.empty({H * GH}, dtype_of<T>());

  for (int64_t d = 0; d < D; d++) {
    const bool reverse = d == 1;
    const T* Wih = w[d].w_ih.data<T>();
    const T* Whh = w[d].w_hh.data<T>();
    const T* bih = data_or_null<T>(w[d].b_ih);
    const T* bhh = data_or_null<T>(w[d].b_hh);
    T* gates = ws + d * dm.ws;  // [T, N, GH]
    T* cs = gates + Tn * N * GH;  // LSTM: c [T, N, H], then tanh(c) [T, N, H]
    T* tcs = cs + Tn * N * H;
    T* hns = gates + Tn * N * GH;  // GRU: W_hn h + b_hn [T, N, H]
    // W_hh^T [H, GH] made contiguous once: the GEMM packs its panels from rows (a memcpy each)
    // at every step instead of gathering a transposed matrix (measured: 16% of a step before).
    T* WhhT = whhT_t.data<T>();
    for (int64_t i = 0; i < GH; i++)
      for (int64_t j = 0; j < H; j++) WhhT[j * GH + i] = Whh[i * H + j];

    // Input projections of every step: gates = x W_ih^T + b (GRU: b_ih only; the others fold b_hh in).
    bool has_bias = bih || (bhh && mode != RnnMode::Gru);
    if (has_bias) {
      for (int64_t j = 0; j < GH; j++) bias[j] = (bih ? bih[j] : T(0)) + (bhh && mode != RnnMode::Gru ? bhh[j] : T(0));
      for (int64_t r = 0; r < Tn * N; r++) std::copy(bias, bias + GH, gates + r * GH);
    }
    mm(pool, Tn * N, GH, I, x, I, 1, Wih, 1, I, has_bias ? T(1) : T(0), gates, GH);

    const T* hp = hx ? hx + d * N * H : zeros;  // h_{t-1}, row stride rs_hp
    int64_t rs_hp = H;
    const T* cp = cx ? cx + d * N * H : zeros;  // c_{t-1} (rows of H)
    for (int64_t s = 0; s < Tn; s++) {
      const int64_t t = reverse ? Tn - 1 - s : s;
      T* g = gates + t * N * GH;
      T* h = y + t * N * DH + d * H;
      if (mode == RnnMode::Gru) {
        T* gh = gh_t.data<T>();
        if (bhh)
          for (int64_t r = 0; r < N; r++) std::copy(bhh, bhh + GH, gh + r * GH);
        mm(pool, N, GH, H, hp, rs_hp, 1, WhhT, GH, 1, bhh ? T(1) : T(0), gh, GH);
        T* hn = hns + t * N * H;
        const T* hpc = hp;
        const int64_t rs = rs_hp;
        rows(pool, N, 6 * H, [&](int64_t n) {
          gru_cell_forward(h + n * DH, hn + n * H, g + n * GH, gh + n * GH, hpc + n * rs, H);
        });
      } else {
        mm(pool, N, GH, H, hp, rs_hp, 1, WhhT, GH, 1, T(1), g, GH);
        if (mode == RnnMode::Lstm) {
          T* c = cs + t * N * H;
          T* tc = tcs + t * N * H;
          const T* cpc = cp;
          rows(pool, N, 8 * H, [&](int64_t n) {
            lstm_cell_forward(h + n * DH, c + n * H, tc + n * H, g + n * GH, cpc + n * H, H);
          });
          cp = c;
        } else {
          rows(pool, N, 2 * H, [&](int64_t n) { rnn_cell_forward(h + n * DH, g + n * GH, H, relu); });
        }
      }
      hp = h;
      rs_hp = DH;
    }
    for (int64_t n = 0; n < N; n++) std::copy(hp + n * rs_hp, hp + n * rs_hp + H, hy + d * N * H + n * H);
    if (mode == RnnMode::Lstm) std::copy(cp, cp + N * H, cy + d * N * H);
  }
}

// ---- backward ----

template <class T>
void backward_impl(Context& ctx, RnnMode mode, const Dims& dm, const T* x, const T* hx, const T* cx,
                   const std::vector<RnnWeights>& w, const T* packed, const T* ws, const T* dpacked, T* dx, T* dhx,
                   T* dcx, std::vector<RnnWeights>* dw) {
  ThreadPool* pool = ctx.pool.get();
  const int64_t Tn = dm.T, N = dm.N, I = dm.I, H = dm.H, D = dm.D, GH = dm.G * dm.H, DH = D * H;
  const bool relu = mode == RnnMode::RnnRelu;
  const T* y = packed;
  const T* dy = dpacked;
  const T* dhy = dpacked + Tn * N * DH;
  const T* dcy = dhy + D * N * H;
  Tensor zeros_t = ctx.empty({N * H}, dtype_of<T>());
  T* zeros = zeros_t.data<T>();
  std::fill(zeros, zeros + N * H, T(0));
  // Pre-activation gradients of every step: of x W_ih^T + b_ih (dgi) and of h W_hh^T + b_hh
  // (dgh); one buffer for both except in GRU, where r scales the n part of the latter.
  Tensor dgi_t = ctx.empty({Tn * N * GH}, dtype_of<T>());
  Tensor dgh_t = mode == RnnMode::Gru ? ctx.empty({Tn * N * GH}, dtype_of<T>()) : dgi_t;
  T* dgi = dgi_t.data<T>();
  T* dgh = dgh_t.data<T>();

  for (int64_t d = 0; d < D; d++) {
    const bool reverse = d == 1;
    const T* Wih = w[d].w_ih.data<T>();
    const T* Whh = w[d].w_hh.data<T>();
    const T* gates = ws ? ws + d * dm.ws : nullptr;
    const T* cs = gates ? gates + Tn * N * GH : nullptr;
    const T* tcs = cs ? cs + Tn * N * H : nullptr;
    const T* hns = gates ? gates + Tn * N * GH : nullptr;
    const T* h0 = hx ? hx + d * N * H : zeros;
    const T* c0 = cx ? cx + d * N * H : zeros;
    T* dh = dhx + d * N * H;  // the running gradient of h_t, [N, H]
    std::copy(dhy + d * N * H, dhy + (d + 1) * N * H, dh);
    T* dc = mode == RnnMode::Lstm ? dcx + d * N * H : nullptr;
    if (dc) std::copy(dcy + d * N * H, dcy + (d + 1) * N * H, dc);

    for (int64_t s = Tn - 1; s >= 0; s--) {
      const int64_t t = reverse ? Tn - 1 - s : s;
      const int64_t tp = reverse ? t + 1 : t - 1;  // the step before t in this direction
      const T* hp = s == 0 ? h0 : y + tp * N * DH + d * H;
      const int64_t rs_hp = s == 0 ? H : DH;
      const T* dyt = dy + t * N * DH + d * H;
      T* dgit = dgi + t * N * GH;
      T* dght = dgh + t * N * GH;
      if (mode == RnnMode::Lstm) {
        const T* g = gates + t * N * GH;
        const T* tc = tcs + t * N * H;
        const T* cp = s == 0 ? c0 : cs + tp * N * H;
        rows(pool, N, 8 * H, [&](int64_t n) {
          lstm_cell_backward(dgit + n * GH, dc + n * H, dh + n * H, dyt + n * DH, g + n * GH, tc + n * H, cp + n * H, H);
        });
      } else if (mode == RnnMode::Gru) {
        const T* g = gates + t * N * GH;
        const T* hn = hns + t * N * H;
        rows(pool, N, 8 * H, [&](int64_t n) {
          gru_cell_backward(dgit + n * GH, dght + n * GH, dh + n * H, dyt + n * DH, g + n * GH, hn + n * H,
                            hp + n * rs_hp, H);
        });
      } else {
        const T* h = y + t * N * DH + d * H;
        rows(pool, N, 2 * H, [&](int64_t n) { rnn_cell_backward(dgit + n * GH, dh + n * H, dyt + n * DH, h + n * DH, H, relu); });
      }
      // dh_{t-1} = dgh[t] W_hh (+ the direct part GRU left in dh)
      mm(pool, N, H, GH, dght, GH, 1, Whh, H, 1, mode == RnnMode::Gru ? T(1) : T(0), dh, H);
    }

    if (dw) {
      RnnWeights& g = (*dw)[d];
      // dW_ih = dgi^T x: [GH, T*N] [T*N, I]
      mm(pool, GH, I, Tn * N, dgi, 1, GH, x, I, 1, T(0), g.w_ih.data<T>(), I);
      // dW_hh = dgh^T h_prev. Steps after the first pair with the rows of y one step earlier
      // (a contiguous range of T-1 steps); the first step pairs with h0.
      const T* dg_rest = reverse ? dgh : dgh + N * GH;
      const T* y_prev = reverse ? y + N * DH + d * H : y + d * H;
      T* dWhh = g.w_hh.data<T>();
      mm(pool, GH, H, (Tn - 1) * N, dg_rest, 1, GH, y_prev, DH, 1, T(0), dWhh, H);
      const int64_t t0 = reverse ? Tn - 1 : 0;
      if (hx) mm(pool, GH, H, N, dgh + t0 * N * GH, 1, GH, h0, H, 1, T(1), dWhh, H);
      if (g.b_ih.storage) col_sums(pool, g.b_ih.data<T>(), dgi, Tn * N, GH);
      if (g.b_hh.storage) {
        if (mode == RnnMode::Gru || !g.b_ih.storage) col_sums(pool, g.b_hh.data<T>(), dgh, Tn * N, GH);
        else std::copy(g.b_ih.data<T>(), g.b_ih.data<T>() + GH, g.b_hh.data<T>());
      }
    }
    // dx (+)= dgi W_ih: [T*N, GH] [GH, I]
    if (dx) mm(pool, Tn * N, I, GH, dgi, GH, 1, Wih, I, 1, d == 0 ? T(0) : T(1), dx, I);
  }
}

}  // namespace

RnnForwardResult rnn_layer_forward(Context& ctx, RnnMode mode, const Tensor& x0, const Tensor* hx0, const Tensor* cx0,
                                   const std::vector<RnnWeights>& w0, bool train) {
  Dims dm = check_layer(mode, x0, hx0, cx0, w0);
  Tensor x = ctx.contiguous(x0);
  Tensor hx, cx;
  if (hx0) hx = ctx.contiguous(*hx0);
  if (cx0) cx = ctx.contiguous(*cx0);
  std::vector<RnnWeights> w = contiguous_weights(ctx, w0);
  checked_numel({dm.D, dm.ws}, dtype_size(x.dtype), rnn_mode_name(mode));
  RnnForwardResult r;
  r.packed = ctx.empty({packed_size(mode, dm)}, x.dtype);
  Tensor ws = ctx.empty({dm.D, dm.ws}, x.dtype);
  FLINT_DISPATCH_FLOAT(x.dtype, rnn_mode_name(mode), T, {
    forward_impl<T>(ctx, mode, dm, x.data<T>(), data_or_null<T>(hx), data_or_null<T>(cx), w, r.packed.data<T>(),
                    ws.data<T>());
  });
  if (train && mode != RnnMode::RnnTanh && mode != RnnMode::RnnRelu) r.workspace = ws;
  return r;
}

RnnBackwardResult rnn_layer_backward(Context& ctx, RnnMode mode, const Tensor& x0, const Tensor* hx0, const Tensor* cx0,
                                     const std::vector<RnnWeights>& w0, const Tensor& packed0, const Tensor& ws0,
                                     const Tensor& dpacked0, bool need_input, bool need_weights) {
  const char* L = rnn_mode_name(mode);
  Dims dm = check_layer(mode, x0, hx0, cx0, w0);
  Shape pshape = {packed_size(mode, dm)};
  if (packed0.dtype != x0.dtype || packed0.shape != pshape)
    throw RangeError(expect_shape(L, "the forward's packed output", pshape, packed0.shape));
  if (dpacked0.dtype != x0.dtype || dpacked0.shape != pshape)
    throw RangeError(expect_shape(L, "the gradient of the packed output", pshape, dpacked0.shape));
  bool needs_ws = mode == RnnMode::Lstm || mode == RnnMode::Gru;
  if (needs_ws) {
    Shape wshape = {dm.D, dm.ws};
    if (!ws0.storage) throw TypeError(std::string(L) + ": backward needs the forward's workspace (run forward with train)");
    if (ws0.dtype != x0.dtype || ws0.shape != wshape) throw RangeError(expect_shape(L, "workspace", wshape, ws0.shape));
  }
  Tensor x = ctx.contiguous(x0);
  Tensor hx, cx;
  if (hx0) hx = ctx.contiguous(*hx0);
  if (cx0) cx = ctx.contiguous(*cx0);
  std::vector<RnnWeights> w = contiguous_weights(ctx, w0);
  Tensor packed = ctx.contiguous(packed0);
  Tensor dpacked = ctx.contiguous(dpacked0);
  Tensor ws = needs_ws ? ctx.contiguous(ws0) : Tensor();

  RnnBackwardResult r;
  DType dt = x.dtype;
  if (need_input) r.dx = ctx.empty(x.shape, dt);
  r.dhx = ctx.empty({dm.D, dm.N, dm.H}, dt);
  if (mode == RnnMode::Lstm) r.dcx = ctx.empty({dm.D, dm.N, dm.H}, dt);
  std::vector<RnnWeights>* dw = nullptr;
  if (need_weights) {
    r.dw.resize(dm.D);
    for (int64_t k = 0; k < dm.D; k++) {
      r.dw[k].w_ih = ctx.empty(w[k].w_ih.shape, dt);
      r.dw[k].w_hh = ctx.empty(w[k].w_hh.shape, dt);
      if (w[k].b_ih.storage) r.dw[k].b_ih = ctx.empty(w[k].b_ih.shape, dt);
      if (w[k].b_hh.storage) r.dw[k].b_hh = ctx.empty(w[k].b_hh.shape, dt);
    }
    dw = &r.dw;
  }
  FLINT_DISPATCH_FLOAT(dt, L, T, {
    backward_impl<T>(ctx, mode, dm, x.data<T>(), data_or_null<T>(hx), data_or_null<T>(cx), w, packed.data<T>(),
                     needs_ws ? ws.data<T>() : nullptr, dpacked.data<T>(), need_input ? r.dx.data<T>() : nullptr,
                     r.dhx.data<T>(), mode == RnnMode::Lstm ? r.dcx.data<T>() : nullptr, dw);
  });
  return r;
}

}  // namespace flint
