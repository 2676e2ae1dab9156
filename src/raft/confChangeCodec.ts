/**
 * ConfChange entries carry the codec's ConfChange encoding (src/codec, versioned and bounded):
 * Raft writes it in proposeConfChange(); the driver decodes a committed EntryType.ConfChange
 * entry with decodeConfChange() and calls applyConfChange(). One format for Raft, the WAL and
 * the wire.
 */
export { decodeConfChange, encodeConfChange } from '../codec/index.js';
