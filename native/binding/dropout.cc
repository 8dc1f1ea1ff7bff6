// N-API glue of the dropout family (kernel in cpu/dropout.cc).
#include "binding/common.h"
#include "cpu/nn.h"

namespace flint {
namespace binding {

// dropoutMask(shape, dtype, p)
static FLINT_FN(DropoutMask) {
  return guard(info, [&](Napi::Env env) -> Napi::Value {
    const char* op = "dropout";
    Shape shape = shape_arg(info, 0, op, "shape");
    DType dt = dtype_arg(info, 1, op);
    return wrap(env, dropout_mask(inst(env).ctx, shape, dt, num_arg(info, 2, op, "p")));
  });
}

void register_dropout(Napi::Env env, Napi::Object exports) {
  export_fn(env, exports, "dropoutMask", DropoutMask);
}

}  // namespace binding
}  // namespace flint
