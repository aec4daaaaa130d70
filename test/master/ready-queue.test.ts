// The in-memory dispatch order beside the database: priority, then first come first served.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadyQueue } from '../../electron/master/store/ready-queue.js';

test('the head is highest priority first, then lowest id, whatever order tasks arrive in', () => {
  const queue = new ReadyQueue();
  for (const [id, priority] of [[5, 0], [2, 0], [9, 3], [7, -1], [3, 3], [4, 0], [1, -1]] as const) queue.add(id, priority);
  assert.deepEqual(queue.head(100), [3, 9, 2, 4, 5, 1, 7]);
  assert.deepEqual(queue.head(3), [3, 9, 2]);
  assert.equal(queue.size, 7);
});

test('removing from the head, the middle and the tail keeps the order; unknown ids are refused', () => {
  const queue = new ReadyQueue();
  for (let id = 1; id <= 6; id++) queue.add(id, id % 2);
  assert.deepEqual(queue.head(10), [1, 3, 5, 2, 4, 6]);
  assert.equal(queue.remove(1, 1), true);
  assert.equal(queue.remove(4, 0), true);
  assert.equal(queue.remove(5, 1), true);
  assert.equal(queue.remove(4, 0), false, 'already gone');
  assert.equal(queue.remove(2, 7), false, 'wrong priority');
  assert.deepEqual(queue.head(10), [3, 2, 6]);
  assert.equal(queue.remove(3, 1), true);
  assert.deepEqual(queue.head(10), [2, 6], 'an emptied priority leaves no trace');
  assert.equal(queue.size, 2);
});

test('a task put back keeps its place among later ones, and adding it twice counts once', () => {
  const queue = new ReadyQueue();
  for (const id of [10, 11, 12]) queue.add(id, 0);
  queue.remove(10, 0);
  queue.add(10, 0);
  queue.add(11, 0);
  assert.deepEqual(queue.head(10), [10, 11, 12]);
  assert.equal(queue.size, 3);
  queue.clear();
  assert.deepEqual(queue.head(10), []);
  assert.equal(queue.size, 0);
});

test('a long queue drained from the head, with requeues and removals along the way, keeps its order', () => {
  const queue = new ReadyQueue();
  const expected = new Set<number>();
  for (let id = 1; id <= 5000; id++) {
    queue.add(id, 0);
    expected.add(id);
  }
  for (let id = 1; id <= 3000; id++) {
    assert.equal(queue.remove(id, 0), expected.delete(id), `removing ${id}`);
    if (id % 500 === 0) {
      // A retried task goes back to the front of its lane; a cancelled one leaves from the middle.
      queue.add(id - 1, 0);
      expected.add(id - 1);
      assert.equal(queue.remove(id + 1000, 0), true);
      expected.delete(id + 1000);
    }
  }
  const order = [...expected].sort((a, b) => a - b);
  assert.deepEqual(queue.head(10_000), order);
  assert.equal(queue.size, order.length);
});
