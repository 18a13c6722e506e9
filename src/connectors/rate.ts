// Readings per minute and the time of the last reading, for an adapter's status(): a ring of
// per-second counts over the last minute, so the figure is exact without keeping timestamps.

export class ReadingRate {
  private readonly buckets = new Array<number>(60).fill(0);
  private bucketSecond = 0;
  private lastAt: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  add(n: number): void {
    if (n <= 0) return;
    const t = this.now();
    this.advance(Math.floor(t / 1000));
    this.buckets[this.bucketSecond % 60] += n;
    this.lastAt = t;
  }

  perMinute(): number {
    this.advance(Math.floor(this.now() / 1000));
    return this.buckets.reduce((a, b) => a + b, 0);
  }

  lastReadingAt(): string | null {
    return this.lastAt === null ? null : new Date(this.lastAt).toISOString();
  }

  private advance(second: number): void {
    if (second <= this.bucketSecond) return;
    const steps = Math.min(60, second - this.bucketSecond);
    for (let i = 1; i <= steps; i++) this.buckets[(this.bucketSecond + i) % 60] = 0;
    this.bucketSecond = second;
  }
}
