import { expect, test } from '@playwright/test';

const PASSWORD = 'tidy-impact-tree-42';

test('share a tree: the link works logged out and without JavaScript, and stops once revoked', async ({ page, browser }) => {
  const email = `share-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto('/signup');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Sharer');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByLabel('New tree').fill('Shared bets');
  await page.getByTestId('start-from').selectOption({ label: 'Starter: impact tree' });
  await page.getByRole('button', { name: 'Create tree' }).click();
  await expect(page).toHaveURL(/\/trees\/\d+$/);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  await page.getByTestId('open-share').click();
  await page.getByTestId('create-share-link').click();
  const link = page.getByTestId('share-url');
  await expect(link).toBeVisible();
  const path = await link.getAttribute('href');
  expect(path).toMatch(/^\/s\/[0-9a-f]{64}$/);
  await expect(page.getByTestId('share-links').locator('li')).toHaveCount(1);

  // A stranger's browser: no session, same tree.
  const stranger = await browser.newContext();
  const view = await stranger.newPage();
  await view.goto(path!);
  await expect(view.getByTestId('tree-name')).toHaveText('Shared bets');
  await expect(view.getByTestId('tree-node')).toHaveCount(8);
  await expect(view.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(view.getByText('Sharer')).toHaveCount(0);

  // And with JavaScript off: drawn by the server.
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const plainPage = await plain.newPage();
  await plainPage.goto(path!);
  await expect(plainPage.getByTestId('tree-node')).toHaveCount(8);
  await expect(plainPage.getByText('The objective this tree serves')).toBeVisible();

  // Revoked: a 404 at once.
  await page.getByTestId('revoke-share-link').click();
  await expect(page.getByTestId('share-links')).toContainText('revoked');
  const response = await view.goto(path!);
  expect(response!.status()).toBe(404);
  await expect(view.getByText('Page not found')).toBeVisible();
  await stranger.close();
  await plain.close();
});
