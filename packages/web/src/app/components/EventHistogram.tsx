import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { plural } from '../format.ts';
import type { Answer } from '../types.ts';

type Histogram = Answer<'eventHistogram'>;

/** A bucket's start as the axis shows it (UTC): with seconds within an hour, the time of day within a day, else the date too. */
function label(iso: string, spanMs: number): string {
  if (spanMs <= 3_600_000) return iso.slice(11, 19);
  return spanMs <= 86_400_000 ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/** Events per time bucket, as bars. */
export function EventHistogram({ histogram, height = 120, testId }: { histogram: Histogram; height?: number; testId?: string }) {
  const spanMs = Date.parse(histogram.to) - Date.parse(histogram.from);
  const data = histogram.buckets.map((bucket) => ({ at: label(bucket.start, spanMs), events: bucket.count }));
  return (
    <div className="histogram" data-testid={testId} data-total={histogram.total}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <XAxis dataKey="at" tick={{ fontSize: 10 }} minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 10 }} width={40} />
          <Tooltip formatter={(value) => plural(Number(value), 'event')} />
          <Bar dataKey="events" fill="#1d4ed8" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
