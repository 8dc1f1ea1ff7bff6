// nn.functional: the stateless forms of the layers and losses.
export { linear, linearRelu, relu, crossEntropy } from '../ops';
export { conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d } from '../ops';
export { sigmoid, tanh, leakyRelu, elu, gelu, silu, softmax, logSoftmax } from '../ops';
export { nllLoss, mseLoss, l1Loss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits } from '../ops';
export { dropout, batchNorm, layerNorm, embedding } from '../ops';
