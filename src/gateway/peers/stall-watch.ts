// When a peer has taken too long. Its answer's head must come whole within stallMs of the request:
// a peer that drips the head a byte at a time, or sends "100 Continue" after "100 Continue", does
// not push that limit back. Then the body must come at MIN_PROGRESS_BYTES per stallMs of waiting
// on the peer. A timer pushed back on every read would let a peer hold a pull for days by sending
// a byte every few seconds, or chunk framing and trailers with no body at all; counted in body
// bytes, such a peer is given up on like one that sends nothing. Time the reader itself holds the
// body up (a slow client downstream) is not the peer's and is not counted.

/** The least body a peer must send in each stallMs (64 KiB in 10 s by default: about 52 kbit/s). */
export const MIN_PROGRESS_BYTES = 64 * 1024;

export type StallPhase = 'answer' | 'body';

export class StallWatch {
  readonly #stallMs: number;
  readonly #minProgressBytes: number;
  readonly #onStall: (phase: StallPhase) => void;
  #phase: StallPhase = 'answer';
  #timer: NodeJS.Timeout | undefined;
  /** Whether the timer was set for a whole stallMs (so `refresh` starts a whole window again). */
  #timerIsWhole = false;
  /** When the clock last started; undefined while it is stopped. */
  #runningSince: number | undefined;
  /** Time waited on the peer in this window before the clock last started. */
  #waited = 0;
  /** Body bytes in this window. */
  #progress = 0;

  /** `minProgressBytes`: the body that must come in each stallMs (MIN_PROGRESS_BYTES unless given). */
  constructor(stallMs: number, onStall: (phase: StallPhase) => void, minProgressBytes = MIN_PROGRESS_BYTES) {
    this.#stallMs = stallMs;
    this.#minProgressBytes = minProgressBytes;
    this.#onStall = onStall;
  }

  /** The request went out: the whole head must come within stallMs. */
  awaitAnswer(): void {
    this.#window('answer');
  }

  /** The head came: the first window of the body begins, and the clock runs. */
  awaitBody(): void {
    this.#window('body');
  }

  /** The reader holds the body up: the time until `resume` is not the peer's. */
  pause(): void {
    if (this.#runningSince === undefined) return;
    this.#waited += performance.now() - this.#runningSince;
    this.#runningSince = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The reader waits on the peer again, in the same window. */
  resume(): void {
    if (this.#runningSince !== undefined || this.#phase !== 'body') return;
    this.#run(Math.max(0, this.#stallMs - this.#waited));
  }

  /** Body bytes came; a window that has had enough of them starts again. */
  progress(bytes: number): void {
    if (this.#phase !== 'body') return;
    this.#progress += bytes;
    if (this.#progress < this.#minProgressBytes) return;
    const running = this.#runningSince !== undefined;
    this.#waited = 0;
    this.#progress = 0;
    if (running) this.#run(this.#stallMs);
  }

  /** Nothing more is awaited from the peer: the answer ended or failed. */
  stop(): void {
    this.pause();
    this.#phase = 'answer';
  }

  #window(phase: StallPhase): void {
    this.pause();
    this.#phase = phase;
    this.#waited = 0;
    this.#progress = 0;
    this.#run(this.#stallMs);
  }

  #run(ms: number): void {
    this.#runningSince = performance.now();
    if (this.#timer && this.#timerIsWhole && ms === this.#stallMs) {
      // Cheaper than a new timer: a fast peer starts a window every 64 KiB.
      this.#timer.refresh();
      return;
    }
    clearTimeout(this.#timer);
    this.#timerIsWhole = ms === this.#stallMs;
    const phase = this.#phase;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#runningSince = undefined;
      this.#onStall(phase);
    }, ms);
  }
}
