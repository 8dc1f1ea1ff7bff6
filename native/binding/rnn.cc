// N-API glue for the recurrent layers (cpu/rnn.h): rnnForward and rnnBackward, one call per
// layer (both directions) and pass.
#include "binding/common.h"
#include "cpu/rnn.h"

namespace flint {
namespace binding {

namespace {

RnnMode mode_arg(const Napi::CallbackInfo& info, int i, const char* op) {
  int64_t m = int_arg(info, i, op, "mode");
  if (m < 0 || m > 3) throw RangeError(std::string(op) + ": expected mode 0 (RNN relu), 1 (RNN tanh), 2 (LSTM) or 3 (GRU) but got " + std::to_string(m));
  return (RnnMode)m;
}

// weights: [w_ih, w_hh, b_ih | null, b_hh | null] per direction, flattened.
std::vector<RnnWeights> weights_arg(const Napi::CallbackInfo& info, int i, const char* layer) {
  if (!info[i].IsArray()) throw TypeError(std::string(layer) + ": expected weights to be an array of tensors");
  Napi::Array a = info[i].As<Napi::Array>();
  uint32_t n = a.Length();
  if (n != 4 && n != 8)
    throw RangeError(std::string(layer) + ": expected 4 weights per direction (w_ih, w_hh, b_ih, b_hh) but got " +
                     std::to_string(n));
  std::vector<RnnWeights> w(n / 4);
  for (uint32_t k = 0; k < n; k++) {
    Napi::Value v = a.Get(k);
    Tensor* slot = k % 4 == 0 ? &w[k / 4].w_ih : k % 4 == 1 ? &w[k / 4].w_hh : k % 4 == 2 ? &w[k / 4].b_ih : &w[k / 4].b_hh;
    if ((v.IsNull() || v.IsUndefined()) && k % 4 >= 2) continue;  // no bias
    NativeTensor* h = unwrap_tensor(v);
    if (!h) throw TypeError(std::string(layer) + ": expected weight " + std::to_string(k) + " to be a tensor");
    *slot = h->get(layer, "a weight");
  }
  return w;
}

Napi::Value or_null(Napi::Env env, const Tensor& t) { return t.storage ? Napi::Value(wrap(env, t)) : env.Null(); }

}  // namespace

// rnnForward(mode, x [T, N, I], hx | null, cx | null, weights, train) -> [packed, workspace | null]
FLINT_FN(RnnForward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    RnnMode mode = mode_arg(info, 0, "rnnForward");
    const char* L = rnn_mode_name(mode);
    Tensor x = tensor_arg(info, 1, L, "input");
    Tensor hxh, cxh;
    const Tensor* hx = opt_tensor_arg(info, 2, L, "hx", hxh);
    const Tensor* cx = opt_tensor_arg(info, 3, L, "cx", cxh);
    std::vector<RnnWeights> w = weights_arg(info, 4, L);
    RnnForwardResult r = rnn_layer_forward(inst(env).ctx, mode, x, hx, cx, w, bool_arg(info, 5));
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, wrap(env, r.packed));
    out.Set(1u, or_null(env, r.workspace));
    return out;
  });
}

// rnnBackward(mode, x, hx | null, cx | null, weights, packed, workspace | null, dpacked, needInput, needWeights)
//   -> [dx | null, dhx, dcx | null, dweights (the weights' layout; null where absent or not needed)]
FLINT_FN(RnnBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    RnnMode mode = mode_arg(info, 0, "rnnBackward");
    const char* L = rnn_mode_name(mode);
    Tensor x = tensor_arg(info, 1, L, "input");
    Tensor hxh, cxh, wsh;
    const Tensor* hx = opt_tensor_arg(info, 2, L, "hx", hxh);
    const Tensor* cx = opt_tensor_arg(info, 3, L, "cx", cxh);
    std::vector<RnnWeights> w = weights_arg(info, 4, L);
    Tensor packed = tensor_arg(info, 5, L, "packed output");
    const Tensor* ws = opt_tensor_arg(info, 6, L, "workspace", wsh);
    Tensor dpacked = tensor_arg(info, 7, L, "gradient");
    bool need_input = bool_arg(info, 8), need_weights = bool_arg(info, 9);
    RnnBackwardResult r = rnn_layer_backward(inst(env).ctx, mode, x, hx, cx, w, packed, ws ? *ws : Tensor(), dpacked,
                                             need_input, need_weights);
    Napi::Array dw = Napi::Array::New(env, w.size() * 4);
    for (size_t k = 0; k < w.size(); k++) {
      const RnnWeights* g = need_weights ? &r.dw[k] : nullptr;
      dw.Set((uint32_t)(4 * k + 0), g ? or_null(env, g->w_ih) : env.Null());
      dw.Set((uint32_t)(4 * k + 1), g ? or_null(env, g->w_hh) : env.Null());
      dw.Set((uint32_t)(4 * k + 2), g ? or_null(env, g->b_ih) : env.Null());
      dw.Set((uint32_t)(4 * k + 3), g ? or_null(env, g->b_hh) : env.Null());
    }
    Napi::Array out = Napi::Array::New(env, 4);
    out.Set(0u, or_null(env, r.dx));
    out.Set(1u, wrap(env, r.dhx));
    out.Set(2u, or_null(env, r.dcx));
    out.Set(3u, dw);
    return out;
  });
}

void register_rnn(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "rnnForward", RnnForward);
  export_fn(env, exports, "rnnBackward", RnnBackward);
}

}  // namespace binding
}  // namespace flint
