import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';

/**
 * JSON already encoded, sent as it is: a snapshot put together from the cache's bytes, each
 * product encoded once per change, rather than every product encoded again for every client.
 */
export class EncodedJson {
  constructor(readonly json: string) {}
}

/**
 * Socket.IO's own encoder, except that an event carrying {@link EncodedJson} is written with that
 * JSON as it is, and without the walk looking for binary in it (encoded JSON holds none). What
 * clients receive is the same text the default encoder would send.
 */
class EncodedJsonEncoder extends Encoder {
  override encode(packet: Packet): ReturnType<Encoder['encode']> {
    const data: unknown = packet.data;
    if (
      packet.type !== PacketType.EVENT ||
      !Array.isArray(data) ||
      !data.some((arg) => arg instanceof EncodedJson)
    ) {
      return super.encode(packet);
    }
    let text = String(PacketType.EVENT);
    if (packet.nsp && packet.nsp !== '/') text += `${packet.nsp},`;
    if (packet.id !== undefined && packet.id !== null) text += String(packet.id);
    const args = data.map((arg) => (arg instanceof EncodedJson ? arg.json : JSON.stringify(arg)));
    return [`${text}[${args.join(',')}]`];
  }
}

/** The `parser` option of a Socket.IO server that sends {@link EncodedJson} as it is. */
export const encodedJsonParser = { Encoder: EncodedJsonEncoder, Decoder };
