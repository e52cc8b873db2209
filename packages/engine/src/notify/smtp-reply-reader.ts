/** One SMTP reply: its code and the text of each line (`250-…` continuation lines included). */
export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
}

// Generous bounds, so a broken or hostile server cannot make the client hold unbounded text.
const MAX_LINE_CHARS = 4_096;
const MAX_REPLY_LINES = 512;

/**
 * Splits what an SMTP server sends into replies (RFC 5321 §4.2): lines end in CRLF (a bare LF
 * is accepted), `NNN-text` continues a multi-line reply and `NNN text` (or `NNN`) ends it.
 * Replies wait in order until read; the first failure (unreadable reply, socket error,
 * timeout) rejects the pending read and every later one.
 */
export class SmtpReplyReader {
  #partial = '';
  #lines: string[] = [];
  #code = 0;
  readonly #replies: SmtpReply[] = [];
  #waiter: { resolve: (reply: SmtpReply) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;

  /** Text received from the server. */
  push(chunk: string): void {
    if (this.#failure) return;
    this.#partial += chunk;
    let newline = this.#partial.indexOf('\n');
    while (newline !== -1 && !this.#failure) {
      const line = this.#partial.slice(0, newline).replace(/\r$/, '');
      this.#partial = this.#partial.slice(newline + 1);
      this.#line(line);
      newline = this.#partial.indexOf('\n');
    }
    if (this.#partial.length > MAX_LINE_CHARS) this.fail(new Error(`a reply line longer than ${MAX_LINE_CHARS} characters`));
  }

  /** Ends reading with `error`; the first failure wins. */
  fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#waiter?.reject(error);
    this.#waiter = undefined;
  }

  /** The next reply, in order. */
  next(): Promise<SmtpReply> {
    const reply = this.#replies.shift();
    if (reply) return Promise.resolve(reply);
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#waiter = { resolve, reject }));
  }

  /** True when the server has sent anything not read yet (even part of a line). */
  get hasUnread(): boolean {
    return this.#replies.length > 0 || this.#lines.length > 0 || this.#partial.length > 0;
  }

  #line(line: string): void {
    const match = /^(\d{3})([ -]?)(.*)$/.exec(line);
    if (!match) return this.fail(new Error(`unreadable reply line ${JSON.stringify(line.slice(0, 80))}`));
    const code = Number(match[1]);
    if (this.#lines.length > 0 && code !== this.#code) return this.fail(new Error(`reply code changed from ${this.#code} to ${code} within one reply`));
    this.#code = code;
    this.#lines.push(match[3]!);
    if (match[2] === '-') {
      if (this.#lines.length > MAX_REPLY_LINES) this.fail(new Error(`a reply of more than ${MAX_REPLY_LINES} lines`));
      return;
    }
    const reply = { code, lines: this.#lines };
    this.#lines = [];
    if (this.#waiter) {
      this.#waiter.resolve(reply);
      this.#waiter = undefined;
    } else {
      this.#replies.push(reply);
    }
  }
}
