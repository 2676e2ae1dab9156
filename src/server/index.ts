/** The RESP2 server layer: listener, decoder, encoder, command table, backend contract. */
export { startRespServer, type RespServer, type RespServerOptions } from './server.js';
export type {
  KvBackend, KvOp, KvResult, NodeRole, PeerInfo, ReadConsistency, ReadOptions, ReplyValue,
  RoleInfo, ScanOptions, ScanResult,
} from './backend.js';
export { MemoryBackend, type MemoryBackendOptions } from './memoryBackend.js';
export {
  backendErrorReply, NotLeaderError, RequestTooLargeError, TryAgainError, type HostPort,
} from './errors.js';
export {
  defaultServerLimits, ServerConfigError, validateLimits, type ServerLimits,
} from './limits.js';
export {
  defaultDecoderLimits, RespDecoder, RespProtocolError, type RespDecoderLimits,
} from './respDecoder.js';
export { encodeReply, ReplyBuffer, type RespValue } from './respEncoder.js';
export { splitInlineArgs } from './inlineArgs.js';
export { CommandTable, allCommands } from './commandTable.js';
export type { CommandSpec, CommandContext, ExecKind, ServerView } from './commandTypes.js';
export { decodeCursor, encodeCursor } from './scanCursor.js';
