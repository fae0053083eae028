import { expect, test } from '@playwright/test';

test('the home page shows the database status, and the browser can fetch it again', async ({ page }) => {
  await page.goto('/status');
  await expect(page.getByRole('heading', { name: 'Impact trees for product teams' })).toBeVisible();

  // The first answer is rendered on the server.
  const status = page.getByTestId('db-status');
  await expect(status).toContainText('Database connected');
  await expect(page.getByTestId('schema-version')).toHaveText(/^\d+$/);

  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const firstTime = await page.getByTestId('db-time').textContent();
  expect(firstTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);

  // A click in the browser calls the server function, which asks PostgreSQL again.
  const answer = page.waitForResponse(
    (response) => response.url().endsWith('/api/db_status') && response.request().method() === 'POST',
  );
  await page.getByTestId('check-again').click();
  const response = await answer;
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.schema_version).toBeGreaterThanOrEqual(3);

  await expect(page.getByTestId('check-count')).toHaveText('checked 2 times');
  await expect(page.getByTestId('db-time')).not.toHaveText(firstTime ?? '');
  await expect(page.getByTestId('db-time')).toHaveText(body.database_time);
  await expect(status).toContainText('Database connected');
});

test('the page is readable without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/status');
  await expect(page.getByTestId('db-status')).toContainText('Database connected');
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await context.close();
});

test('an unknown address is a 404 page', async ({ page }) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
});

test('health and readiness endpoints answer', async ({ request }) => {
  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  const ready = await request.get('/readyz');
  expect(ready.status()).toBe(200);
  expect(health.headers()['x-request-id']).toBeTruthy();
});
