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
