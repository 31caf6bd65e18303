export { type DecodedEvent, type Hex, decodeDispatchError, decodeEvent, toPlain } from './decode.js';
export { NonceManager } from './nonce.js';
export { type CallLike, type Receipt, type SubmitOptions, submit } from './submit.js';
