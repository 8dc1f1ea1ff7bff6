// nn.functional: the stateless forms of the layers and losses.
export { linear, relu, crossEntropy } from '../ops';
