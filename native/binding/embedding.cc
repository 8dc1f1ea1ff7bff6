// N-API glue of the embedding family (kernels in cpu/embedding.cc).
#include "binding/common.h"
#include "cpu/nn.h"

namespace flint {
namespace binding {

// embedding(weight, indices)
static FLINT_FN(Embedding) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "embedding";
    const Tensor& w = tensor_arg(info, 0, op, "weight");
    return wrap(env, embedding(inst(env).ctx, w, tensor_arg(info, 1, op, "indices")));
  });
}

// embeddingBackward(grad, indices, weight, paddingIdx): paddingIdx < 0 for none
static FLINT_FN(EmbeddingBackward) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "embedding_backward";
    const Tensor& g = tensor_arg(info, 0, op, "grad");
    const Tensor& i = tensor_arg(info, 1, op, "indices");
    const Tensor& w = tensor_arg(info, 2, op, "weight");
    return wrap(env, embedding_backward(inst(env).ctx, g, i, w, int_arg(info, 3, op, "paddingIdx")));
  });
}

void register_embedding(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "embedding", Embedding);
  export_fn(env, exports, "embeddingBackward", EmbeddingBackward);
}

}  // namespace binding
}  // namespace flint
