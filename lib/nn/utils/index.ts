// torch.nn.utils: one file per family (clip_grad, ...), re-exported here.
export { clipGradNorm_, clipGradValue_, ClipGradNormOptions } from './clip_grad';
