// nn.functional: the stateless forms of the layers and losses.
export { linear, relu, crossEntropy } from '../ops';
export { conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d } from '../ops';
