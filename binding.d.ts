// The typed N-API surface of the native addon: the contract between lib/ and native/.
// lib/native.ts is the only file that loads the addon.

export type DTypeName = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';
export type TypedArrayOf = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

/** A native tensor handle: a strided view over reference-counted native storage. */
export declare class NativeTensor {
  private constructor();
  readonly shape: number[];
  readonly strides: number[];
  readonly offset: number;
  readonly dtype: DTypeName;
  readonly disposed: boolean;
  readonly isContiguous: boolean;
  /** In-place writes to the storage so far (autograd checks it, as PyTorch's version counter); -1 once disposed. */
  readonly version: number;
  /** Contiguous, and no other handle (a view) shares its storage. */
  readonly soleContiguous: boolean;
  /** Frees this handle's reference to the storage now (views keep it alive). */
  dispose(): void;
  /** Copies the elements (row-major) into `out`, which the caller allocates. */
  read<T extends TypedArrayOf>(out: T): T;
  sameStorage(other: NativeTensor): boolean;
}

/** Binary op codes, in the order of native/cpu/kernels.h BinOp. */
export declare const enum BinOpCode {}
export interface Binding {
  NativeTensor: typeof NativeTensor;
  empty(shape: number[], dtype: DTypeName): NativeTensor;
  full(shape: number[], dtype: DTypeName, value: number): NativeTensor;
  fromData(data: TypedArrayOf, shape: number[], dtype: DTypeName): NativeTensor;
  asStrided(t: NativeTensor, shape: number[], strides: number[], offset: number): NativeTensor;
  contiguous(t: NativeTensor): NativeTensor;
  clone(t: NativeTensor): NativeTensor;
  copy_(dst: NativeTensor, src: NativeTensor): NativeTensor;
  fill_(t: NativeTensor, value: number): NativeTensor;
  cast(t: NativeTensor, dtype: DTypeName): NativeTensor;
  binary(op: number, a: NativeTensor, b: NativeTensor): NativeTensor;
  binaryScalar(op: number, a: NativeTensor, s: number, reverse: boolean): NativeTensor;
  unary(op: number, a: NativeTensor): NativeTensor;
  sum(a: NativeTensor, dims: number[], keepdim: boolean, scale: number): NativeTensor;
  maxDim(a: NativeTensor, dim: number, keepdim: boolean): [NativeTensor, NativeTensor];
  /** a @ b, with the last two dims of a (b) swapped first when transA (transB). */
  matmul(a: NativeTensor, b: NativeTensor, transA?: boolean, transB?: boolean): NativeTensor;
  /** relu?(x @ w^T + b): the bias and ReLU in the GEMM's epilogue. */
  linear(x: NativeTensor, w: NativeTensor, b: NativeTensor | null, relu?: boolean): NativeTensor;
  /**
   * 2-D float32 product through a chosen path (tests, benchmarks). out: a contiguous [M, N]
   * tensor written and returned (as numpy's out=); bias [N] (or [M] with biasPerRow) and relu:
   * the GEMM's epilogue, C = relu?(A @ B + bias).
   */
  gemm(kernel: 'blis' | 'naive', a: NativeTensor, b: NativeTensor, out?: NativeTensor | null, bias?: NativeTensor | null,
    biasPerRow?: boolean, relu?: boolean): NativeTensor;
  /** reduction: 0 none, 1 mean, 2 sum */
  crossEntropy(logits: NativeTensor, target: NativeTensor, reduction: number): NativeTensor;
  crossEntropyBackward(logits: NativeTensor, target: NativeTensor, grad: NativeTensor, reduction: number): NativeTensor;
  cat(ts: NativeTensor[], dim: number): NativeTensor;
  indexSelect(a: NativeTensor, dim: number, index: NativeTensor): NativeTensor;
  gather(a: NativeTensor, dim: number, index: NativeTensor): NativeTensor;
  scatterAdd(shape: number[], dim: number, index: NativeTensor, src: NativeTensor): NativeTensor;
  uniform_(t: NativeTensor, low: number, high: number): NativeTensor;
  normal_(t: NativeTensor, mean: number, std: number): NativeTensor;
  manualSeed(seed: number): void;
  randomBits(): number;
  sgdStep(param: NativeTensor, grad: NativeTensor, buf: NativeTensor | null, lr: number, momentum: number,
          dampening: number, weightDecay: number, nesterov: boolean, maximize: boolean, first: boolean): void;
  // optimizers (native/binding/optim.cc): in place on param and its state; step counts from 1
  adamStep(param: NativeTensor, grad: NativeTensor, expAvg: NativeTensor, expAvgSq: NativeTensor,
           maxExpAvgSq: NativeTensor | null, step: number, lr: number, beta1: number, beta2: number, eps: number,
           weightDecay: number, amsgrad: boolean, maximize: boolean, decoupled: boolean): void;
  rmspropStep(param: NativeTensor, grad: NativeTensor, squareAvg: NativeTensor, gradAvg: NativeTensor | null,
              momentumBuffer: NativeTensor | null, lr: number, alpha: number, eps: number, weightDecay: number,
              momentum: number, centered: boolean, maximize: boolean): void;
  adagradStep(param: NativeTensor, grad: NativeTensor, sum: NativeTensor, step: number, lr: number, lrDecay: number,
              weightDecay: number, eps: number, maximize: boolean): void;
  adadeltaStep(param: NativeTensor, grad: NativeTensor, squareAvg: NativeTensor, accDelta: NativeTensor, lr: number,
               rho: number, eps: number, weightDecay: number, maximize: boolean): void;
  accumulate(grad: NativeTensor, update: NativeTensor, alpha: number): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  memoryStats(): { liveBytes: number; cachedBytes: number };
  emptyCache(): void;
  buildInfo(): { gemmKernel: string; cuda: boolean };
  /** Per-sample affine warp (native/cpu/augment.h): input [N, C, H, W] f32/f64/u8, theta [N|1, 6]
   * float64 mapping output (x, y, 1) to input pixel coordinates; mode 0 nearest, 1 bilinear; fill
   * null (zero padding) or 1 or C values (torchvision's fill blend); naive: the oracle kernel. */
  affineWarp(input: NativeTensor, theta: NativeTensor, outH: number, outW: number, mode: number,
             fill: number[] | null, naive?: boolean): NativeTensor;
  /** x + mean + std * N(0, 1) per element, clamped to [0, 1] when clip. */
  gaussianNoise(x: NativeTensor, mean: number, std: number, clip: boolean): NativeTensor;
  /** ToTensor + Normalize in one pass: ((out)x / div - mean[c]) / std[c], c = (i / inner) % channels;
   * mean/std null for no normalization; rows: gather x[rows] along dim 0 first (native/cpu/augment.h). */
  scaleNormalize(x: NativeTensor, outDtype: DTypeName, div: number, mean: number[] | null, std: number[] | null,
                 channels: number, inner: number, rows?: NativeTensor | null): NativeTensor;
  // convolution (native/binding/conv.cc): x [N, C, H, W], w [O, C/groups, kH, kW]; stride and
  // dilation [h, w], padding [top, bottom, left, right]. *Naive: the direct-loop oracles.
  conv2d(x: NativeTensor, w: NativeTensor, bias: NativeTensor | null, stride: number[], padding: number[],
         dilation: number[], groups: number, saveCol?: false): NativeTensor;
  /** saveCol: also the im2col buffer [C*kH*kW, N*Hout*Wout] for conv2dBackward (null when not kept) */
  conv2d(x: NativeTensor, w: NativeTensor, bias: NativeTensor | null, stride: number[], padding: number[],
         dilation: number[], groups: number, saveCol: true): [NativeTensor, NativeTensor | null];
  conv2dBackward(x: NativeTensor, w: NativeTensor, gradOutput: NativeTensor, stride: number[], padding: number[],
                 dilation: number[], groups: number, needInput: boolean, needWeight: boolean,
                 needBias: boolean, col?: NativeTensor | null): [NativeTensor | null, NativeTensor | null, NativeTensor | null];
  conv2dNaive(x: NativeTensor, w: NativeTensor, bias: NativeTensor | null, stride: number[], padding: number[],
              dilation: number[], groups: number): NativeTensor;
  conv2dBackwardNaive(x: NativeTensor, w: NativeTensor, gradOutput: NativeTensor, stride: number[], padding: number[],
                      dilation: number[], groups: number): [NativeTensor, NativeTensor, NativeTensor];
  // pooling (native/binding/pool.cc): input [N, C, H, W] or [C, H, W]; sizes as [h, w] pairs
  maxPool2d(x: NativeTensor, kernel: number[], stride: number[], padding: number[], dilation: number[],
            ceilMode: boolean): [NativeTensor, NativeTensor];
  maxPool2dBackward(gradOutput: NativeTensor, indices: NativeTensor, inputShape: number[]): NativeTensor;
  /** divisorOverride: 0 for none */
  avgPool2d(x: NativeTensor, kernel: number[], stride: number[], padding: number[], ceilMode: boolean,
            countIncludePad: boolean, divisorOverride: number): NativeTensor;
  avgPool2dBackward(gradOutput: NativeTensor, inputShape: number[], kernel: number[], stride: number[],
                    padding: number[], ceilMode: boolean, countIncludePad: boolean, divisorOverride: number): NativeTensor;
  adaptiveAvgPool2d(x: NativeTensor, outputSize: number[]): NativeTensor;
  adaptiveAvgPool2dBackward(gradOutput: NativeTensor, inputShape: number[]): NativeTensor;
  // recurrent layers (native/binding/rnn.cc), one call per layer (both directions) and pass.
  // mode: 0 RNN relu, 1 RNN tanh, 2 LSTM, 3 GRU. x [T, N, I] time-major; hx, cx [D, N, H] or null
  // (zeros); weights [w_ih, w_hh, b_ih | null, b_hh | null] per direction. packed = flat
  // [output [T, N, D*H] | h_n [D, N, H] | c_n [D, N, H] (LSTM)]; workspace: saved for backward
  // (LSTM and GRU, when train).
  rnnForward(mode: number, x: NativeTensor, hx: NativeTensor | null, cx: NativeTensor | null,
             weights: (NativeTensor | null)[], train: boolean): [NativeTensor, NativeTensor | null];
  /** -> [dx (needInput), dhx, dcx (LSTM), weight gradients in the weights' layout (needWeights)] */
  rnnBackward(mode: number, x: NativeTensor, hx: NativeTensor | null, cx: NativeTensor | null,
              weights: (NativeTensor | null)[], packed: NativeTensor, workspace: NativeTensor | null,
              dpacked: NativeTensor, needInput: boolean, needWeights: boolean):
    [NativeTensor | null, NativeTensor, NativeTensor | null, (NativeTensor | null)[]];
  // activations (native/binding/activation.cc): op 0 leaky_relu (param: negative slope), 1 elu
  // (param: alpha), 2 gelu, 3 gelu tanh approximation, 4 silu
  activation(op: number, x: NativeTensor, param: number): NativeTensor;
  activationBackward(op: number, grad: NativeTensor, x: NativeTensor, param: number): NativeTensor;
  /** log: log-softmax. The backward takes the forward's output y. */
  softmax(x: NativeTensor, dim: number, log: boolean): NativeTensor;
  softmaxBackward(grad: NativeTensor, y: NativeTensor, dim: number, log: boolean): NativeTensor;
  // normalization (native/binding/normalization.cc): batch norm over [N, C, *] (running stats
  // updated in place when training), layer norm over the last nNorm dims
  batchNorm(x: NativeTensor, weight: NativeTensor | null, bias: NativeTensor | null, runningMean: NativeTensor | null,
            runningVar: NativeTensor | null, training: boolean, momentum: number, eps: number):
    [NativeTensor, NativeTensor, NativeTensor];
  batchNormBackward(grad: NativeTensor, x: NativeTensor, weight: NativeTensor | null, mean: NativeTensor,
                    invstd: NativeTensor, training: boolean): [NativeTensor, NativeTensor, NativeTensor];
  layerNorm(x: NativeTensor, nNorm: number, weight: NativeTensor | null, bias: NativeTensor | null, eps: number):
    [NativeTensor, NativeTensor, NativeTensor];
  layerNormBackward(grad: NativeTensor, x: NativeTensor, nNorm: number, weight: NativeTensor | null,
                    mean: NativeTensor, rstd: NativeTensor): [NativeTensor, NativeTensor, NativeTensor];
  // losses (native/binding/loss.cc); reduction: 0 none, 1 mean, 2 sum. Pointwise losses are
  // unreduced, their backwards return [dinput, dtarget | null (unless wantTarget)].
  crossEntropyLoss(input: NativeTensor, target: NativeTensor, weight: NativeTensor | null, ignoreIndex: number,
                   labelSmoothing: number, reduction: number): NativeTensor;
  crossEntropyLossBackward(grad: NativeTensor, input: NativeTensor, target: NativeTensor, weight: NativeTensor | null,
                           ignoreIndex: number, labelSmoothing: number, reduction: number): NativeTensor;
  nllLoss(input: NativeTensor, target: NativeTensor, weight: NativeTensor | null, ignoreIndex: number,
          reduction: number): NativeTensor;
  nllLossBackward(grad: NativeTensor, input: NativeTensor, target: NativeTensor, weight: NativeTensor | null,
                  ignoreIndex: number, reduction: number): NativeTensor;
  smoothL1Loss(input: NativeTensor, target: NativeTensor, beta: number): NativeTensor;
  smoothL1LossBackward(grad: NativeTensor, input: NativeTensor, target: NativeTensor, beta: number): NativeTensor;
  bceLoss(input: NativeTensor, target: NativeTensor, weight: NativeTensor | null): NativeTensor;
  bceLossBackward(grad: NativeTensor, input: NativeTensor, target: NativeTensor, weight: NativeTensor | null,
                  wantTarget: boolean): [NativeTensor, NativeTensor | null];
  bceLogitsLoss(input: NativeTensor, target: NativeTensor, weight: NativeTensor | null,
                posWeight: NativeTensor | null): NativeTensor;
  bceLogitsLossBackward(grad: NativeTensor, input: NativeTensor, target: NativeTensor, weight: NativeTensor | null,
                        posWeight: NativeTensor | null, wantTarget: boolean): [NativeTensor, NativeTensor | null];
  // embedding (native/binding/embedding.cc): weight [V, D], indices int64/int32; paddingIdx < 0: none
  embedding(weight: NativeTensor, indices: NativeTensor): NativeTensor;
  embeddingBackward(grad: NativeTensor, indices: NativeTensor, weight: NativeTensor, paddingIdx: number): NativeTensor;
  // dropout (native/binding/dropout.cc): 1/(1-p) with probability 1-p, else 0, from the seeded generator
  dropoutMask(shape: number[], dtype: DTypeName, p: number): NativeTensor;
}
