/* kern_winow — the kernel transforms of both Winograd variants: part
 * of kern_body.h. U = G g G^T turns a 3x3 kernel into the a x a values
 * (a = 4 or 6) its tiles multiply by, and dg = G^T dU G takes their
 * gradient back. A vector holds VL kernels: lane l is kernel k0 + l. */

/* One axis of G g: F(2x2,3x3)'s G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2;
 * 0 0 1], F(4x4,3x3)'s (kern_wino4.h) [1 0 0; -1/3 -1/3 -1/3;
 * 1/3 -1/3 1/3; 1/15 2/15 4/15; -16/15 8/15 -4/15; 0 0 1]. */
static inline void
g_axis(int a, const vf k[3], vf u[6])
{
	if (a == 4) {
		const vf h = splat(0.5f);

		u[0] = k[0];
		u[1] = h * (k[0] + k[1] + k[2]);
		u[2] = h * (k[0] - k[1] + k[2]);
		u[3] = k[2];
		return;
	}
	const vf c3 = splat(1 / 3.0f), c15 = splat(1 / 15.0f);
	const vf c2 = splat(2), c4 = splat(4), c8 = splat(8), c16 = splat(16);

	u[0] = k[0];
	u[1] = -c3 * (k[0] + k[1] + k[2]);
	u[2] = c3 * (k[0] - k[1] + k[2]);
	u[3] = c15 * (k[0] + c2 * k[1] + c4 * k[2]);
	u[4] = c15 * (c8 * k[1] - c16 * k[0] - c4 * k[2]);
	u[5] = k[2];
}

/* One axis of G^T d: the adjoint of g_axis. */
static inline void
gt_axis(int a, const vf d[6], vf k[3])
{
	if (a == 4) {
		const vf h = splat(0.5f);

		k[0] = d[0] + h * (d[1] + d[2]);
		k[1] = h * (d[1] - d[2]);
		k[2] = h * (d[1] + d[2]) + d[3];
		return;
	}
	const vf c3 = splat(1 / 3.0f), c15 = splat(1 / 15.0f);
	const vf c2 = splat(2), c4 = splat(4), c8 = splat(8), c16 = splat(16);

	k[0] = d[0] + c3 * (d[2] - d[1]) + c15 * (d[3] - c16 * d[4]);
	k[1] = -c3 * (d[1] + d[2]) + c15 * (c2 * d[3] + c8 * d[4]);
	k[2] = c3 * (d[2] - d[1]) + c15 * (c4 * (d[3] - d[4])) + d[5];
}

/* U of kernels k0 .. k0+n-1, n <= VL, for patches a x a: kernel k's 9
 * weights start at g + k*gs (read backwards with flip), its a*a values
 * go to u[p*ldu + k], p = a*i + j. */
static void
weights_block(int a, float *restrict u, long ldu, const float *restrict g,
    long gs, int n, int flip)
{
	float x[9][VL] = { { 0 } }, out[VL];
	vf k[3][3], t[6][3], col[3], row[6];

	for (int i = 0; i < 9; i++) {
		const float *gi = g + (flip ? 8 - i : i);

		for (int l = 0; l < n; l++)
			x[i][l] = gi[l * gs];
		k[i / 3][i % 3] = ld(x[i]);
	}
	for (int c = 0; c < 3; c++) {
		for (int r = 0; r < 3; r++)
			col[r] = k[r][c];
		g_axis(a, col, row);
		for (int r = 0; r < a; r++)
			t[r][c] = row[r];
	}
	for (int r = 0; r < a; r++) {
		g_axis(a, t[r], row);
		for (int j = 0; j < a; j++) {
			float *ur = u + (a * r + j) * ldu;

			if (n == VL) {
				st(ur, row[j]);
				continue;
			}
			st(out, row[j]);
			memcpy(ur, out, (size_t)n * sizeof(float));
		}
	}
}

/* The two patch sides apart, so that each loop is built for its own. */
static void
K(wino_weights)(int a, float *u, long ldu, const float *g, long gs, int n,
    int flip)
{
	for (int k = 0; k < n; k += VL) {
		int nk = n - k < VL ? n - k : VL;

		if (a == 4)
			weights_block(4, u + k, ldu, g + k * gs, gs, nk, flip);
		else
			weights_block(6, u + k, ldu, g + k * gs, gs, nk, flip);
	}
}

/* dg += G^T dU G for kernels k0 .. k0+n-1, n <= VL: dU of kernel k at
 * du[p*ldu + k], its 9 gradients at dg + 9k. */
static void
unweights_block(int a, float *restrict dg, const float *restrict du,
    long ldu, int n)
{
	float x[VL] = { 0 }, out[9][VL];
	vf d[6][6], s[3][6], col[6], k[3];

	for (int p = 0; p < a * a; p++) {
		memcpy(x, du + p * ldu, (size_t)n * sizeof(float));
		d[p / a][p % a] = ld(x);
	}
	for (int c = 0; c < a; c++) {
		for (int r = 0; r < a; r++)
			col[r] = d[r][c];
		gt_axis(a, col, k);
		for (int r = 0; r < 3; r++)
			s[r][c] = k[r];
	}
	for (int r = 0; r < 3; r++) {
		gt_axis(a, s[r], k);
		for (int c = 0; c < 3; c++)
			st(out[3 * r + c], k[c]);
	}
	for (int l = 0; l < n; l++)
		for (int i = 0; i < 9; i++)
			dg[9 * l + i] += out[i][l];
}

static void
K(wino_unweights)(int a, float *dg, const float *du, long ldu, int n)
{
	for (int k = 0; k < n; k += VL) {
		int nk = n - k < VL ? n - k : VL;

		if (a == 4)
			unweights_block(4, dg + 9L * k, du + k, ldu, nk);
		else
			unweights_block(6, dg + 9L * k, du + k, ldu, nk);
	}
}
