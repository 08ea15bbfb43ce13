import { Encoder, PacketType } from 'socket.io-parser';
import { describe, expect, it } from 'vitest';
import { EncodedJson, encodedJsonParser } from './encoded.json.js';

const snapshot = [{ product_id: 'P1', name: 'Mug "large"', locations: { 'main-store': 3 } }];

describe('encodedJsonParser', () => {
  const ours = new encodedJsonParser.Encoder();
  const theirs = new Encoder();

  it('writes an event with encoded JSON as the default encoder writes the same values', () => {
    for (const packet of [
      { type: PacketType.EVENT, nsp: '/', data: ['snapshot', snapshot] },
      { type: PacketType.EVENT, nsp: '/admin', id: 7, data: ['snapshot', snapshot, { n: 1 }] },
    ]) {
      const encoded = {
        ...packet,
        data: packet.data.map((arg) =>
          arg === snapshot ? new EncodedJson(JSON.stringify(arg)) : arg,
        ),
      };
      expect(ours.encode(encoded)).toEqual(theirs.encode(packet));
    }
  });

  it('leaves every other packet to the default encoder, binary ones included', () => {
    const binary = { type: PacketType.EVENT, nsp: '/', data: ['blob', Buffer.from('xyz')] };
    expect(ours.encode(binary)).toEqual(theirs.encode(binary));
    const plain = { type: PacketType.EVENT, nsp: '/', data: ['update', { version: 2 }] };
    expect(ours.encode(plain)).toEqual(theirs.encode(plain));
  });
});
