import { exportedNames, metricNames } from '../support/promql';

describe('metricNames', () => {
  it('finds the selectors, not the functions, labels, ranges or groupings', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le) (rate(flash_purchase_duration_seconds_bucket[$__rate_interval])))',
      ),
    ).toEqual(['flash_purchase_duration_seconds_bucket']);
    expect(
      metricNames(
        'sum by (state) (max by (sale, state) (flash_sale_units{state=~"remaining|held"}))',
      ),
    ).toEqual(['flash_sale_units']);
    expect(
      metricNames('process_resident_memory_bytes / on (instance) nodejs_heap_size_used_bytes'),
    ).toEqual(['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']);
  });
});

describe('exportedNames', () => {
  it("names a histogram's three series", () => {
    const names = exportedNames('# HELP h x\n# TYPE h histogram\n# TYPE c counter\nc 1\n');
    expect([...names].sort()).toEqual(['c', 'h_bucket', 'h_count', 'h_sum']);
  });
});
