/**
 * src/transport: how nodes exchange Raft message batches and forwarded requests, with a fault
 * filter the cluster controller drives. docs/transport.md.
 */
export {
  TransportError,
  type DropReason,
  type ForwardHandler,
  type ForwardKind,
  type LinkStats,
  type MessagesHandler,
  type Transport,
} from './transport.js';
export {
  FaultFilter,
  FaultRulesError,
  NO_FAULTS,
  acceptFrom,
  decideSend,
  faultDelayMsMax,
  validateFaultRules,
  type FaultRules,
  type SendDecision,
  type Traffic,
} from './faultFilter.js';
export {
  MessageChannelTransport,
  inflightBytesMaxDefault,
  inflightFramesMaxDefault,
  type MessageChannelTransportOptions,
} from './messageChannelTransport.js';
export { parseFrame, type Frame } from './frame.js';
export {
  TcpTransport,
  reconnectDelayMs,
  type BridgeStats,
} from './tcpTransport.js';
export { bridgeDefaults, type TcpTransportOptions } from './bridgeConfig.js';
export type { PeerAddress } from './bridgePeer.js';
export {
  BridgeFrameError,
  FrameTooLargeError,
  frameBytesMaxDefault,
  handshakeFrameBytesMax,
} from './bridgeWire.js';
export { secretBytesMin } from './bridgeHandshake.js';
export { CompositeTransport, type CompositeTransportOptions } from './compositeTransport.js';
