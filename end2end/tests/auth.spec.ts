import { expect, test, type Page } from '@playwright/test';

const PASSWORD = 'tidy-impact-tree-42';
const unique = (name: string) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

async function signUp(page: Page, email: string) {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('Pat Manager');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
}

test('sign up, log out, log in, and land on the dashboard', async ({ page }) => {
  const email = unique('flow');
  await signUp(page, email);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Your trees' })).toBeVisible();
  await expect(page.getByTestId('user-name')).toHaveText('Pat Manager');

  await page.getByTestId('log-out').click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId('user-name')).toHaveCount(0);

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('dashboard')).toBeVisible();
  await expect(page.getByTestId('no-trees')).toBeVisible();

  // The session survives a reload: it lives on the server.
  await page.reload();
  await expect(page.getByTestId('user-name')).toHaveText('Pat Manager');
});

test('a wrong password shows an error and keeps you on the form', async ({ page }) => {
  const email = unique('wrong');
  await signUp(page, email);
  await expect(page.getByTestId('dashboard')).toBeVisible();
  await page.getByTestId('log-out').click();
  await expect(page).toHaveURL(/\/login$/);
  await hydrated(page);

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not-my-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('form-error')).toHaveText('wrong email or password');
  await expect(page).toHaveURL(/\/login/);
});

test('a protected page sends you to log in and back again', async ({ page }) => {
  const email = unique('back');
  await signUp(page, email);
  await expect(page.getByTestId('dashboard')).toBeVisible();
  await page.getByTestId('log-out').click();
  await expect(page).toHaveURL(/\/login$/);

  await page.goto('/account');
  await expect(page).toHaveURL(/\/login\?next=\/account$/);
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
});

test('sign-up refuses a common password, naming the field', async ({ page }) => {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByLabel('Email').fill(unique('common'));
  await page.getByLabel('Your name').fill('Pat');
  await page.getByLabel('Password').fill('password123');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.locator('#password-error')).toContainText('most common passwords');
});

test('the forms work without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const email = unique('nojs');
  await page.goto('/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Your name').fill('No Script');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Your trees' })).toBeVisible();

  await page.getByTestId('log-out').click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not-my-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('form-error')).toHaveText('wrong email or password');
  await expect(page.getByLabel('Email')).toHaveValue(email);

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('dashboard')).toBeVisible();
  await context.close();
});
