// Proves the shared assert helper throws a typed AssertionError carrying the message, and
// passes silently when the condition holds.
import { describe, expect, it } from 'vitest';
import { assert, AssertionError } from '../../src/codec/assert.js';

describe('assert', () => {
  it('throws AssertionError with the message when the condition is false', () => {
    expect(() => assert(1 > 2, 'one above two')).toThrow(AssertionError);
    expect(() => assert(false, 'x')).toThrow('assertion failed: x');
  });
  it('returns when the condition holds', () => {
    expect(() => assert(true, 'fine')).not.toThrow();
  });
});
