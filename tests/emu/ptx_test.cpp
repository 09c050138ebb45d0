// The PTX wrappers of kernels/ptx.cuh on the emulator: mma.m16n8k16 against a plain matrix
// product with the fragments placed as the PTX ISA figures show them, ldmatrix with and without
// .trans, cp.async poisoning until its wait, and the strictness checks on these operations.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "emu_test_util.h"
#include "launch.cuh"
#include "ptx.cuh"

namespace {

// PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type": for element i of a
// thread's fragment (two per 32-bit register, lower index in the low half),
//   A: row = group + 8 * ((i / 2) % 2), col = 2 * quad + (i % 2) + 8 * (i / 4)
//   B: row = 2 * quad + (i % 2) + 8 * (i / 2), col = group
//   C: row = group + 8 * (i / 2), col = 2 * quad + (i % 2)
// where group = lane / 4 and quad = lane % 4.
int a_row(int lane, int i) {
  return lane / 4 + 8 * ((i / 2) % 2);
}
int a_col(int lane, int i) {
  return 2 * (lane % 4) + (i % 2) + 8 * (i / 4);
}
int b_row(int lane, int i) {
  return 2 * (lane % 4) + (i % 2) + 8 * (i / 2);
}
int b_col(int lane, int /*i*/) {
  return lane / 4;
}
int c_row(int lane, int i) {
  return lane / 4 + 8 * (i / 2);
}
int c_col(int lane, int i) {
  return 2 * (lane % 4) + (i % 2);
}

// The test builds every lane's fragment registers on the host; the kernel only runs the mma.
template <class In>
__global__ void run_mma(const uint32_t* a, const uint32_t* b, const float* c, float* d) {
  const int lane = threadIdx.x;
  uint32_t ar[4], br[2];
  float cr[4], dr[4];
  for (int r = 0; r < 4; ++r)
    ar[r] = a[lane * 4 + r];
  for (int r = 0; r < 2; ++r)
    br[r] = b[lane * 2 + r];
  for (int r = 0; r < 4; ++r)
    cr[r] = c[lane * 4 + r];
  linact::mma_m16n8k16<In>(dr, ar, br, cr);
  for (int r = 0; r < 4; ++r)
    d[lane * 4 + r] = dr[r];
}

template <class In>
uint16_t bits_of(float v) {
  In h(v);
  uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

template <class In>
void check_mma_against_product() {
  // Small integers: exact in bf16 and fp16, and every sum is exact in fp32.
  float a[16][16], b[16][8], c[16][8];
  for (int m = 0; m < 16; ++m)
    for (int k = 0; k < 16; ++k)
      a[m][k] = static_cast<float>((m * 3 + k * 5) % 7 - 3);
  for (int k = 0; k < 16; ++k)
    for (int n = 0; n < 8; ++n)
      b[k][n] = static_cast<float>((k * 2 + n * 7) % 5 - 2);
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n)
      c[m][n] = static_cast<float>(m - n);

  std::vector<uint32_t> af(32 * 4, 0), bf(32 * 2, 0);
  std::vector<float> cf(32 * 4);
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 8; ++i) {
      af[lane * 4 + i / 2] |= static_cast<uint32_t>(bits_of<In>(a[a_row(lane, i)][a_col(lane, i)]))
                              << (16 * (i % 2));
    }
    for (int i = 0; i < 4; ++i) {
      bf[lane * 2 + i / 2] |= static_cast<uint32_t>(bits_of<In>(b[b_row(lane, i)][b_col(lane, i)]))
                              << (16 * (i % 2));
      cf[lane * 4 + i] = c[c_row(lane, i)][c_col(lane, i)];
    }
  }
  DeviceBuffer<uint32_t> da(af.size()), db(bf.size());
  DeviceBuffer<float> dc(cf.size()), dd(cf.size());
  da.upload(af);
  db.upload(bf);
  dc.upload(cf);
  LINACT_LAUNCH(1, 32, 0, nullptr, run_mma<In>)(da.get(), db.get(), dc.get(), dd.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = dd.download();
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < 4; ++i) {
      const int m = c_row(lane, i), n = c_col(lane, i);
      float want = c[m][n];
      for (int k = 0; k < 16; ++k)
        want += a[m][k] * b[k][n];
      ASSERT_EQ(got[lane * 4 + i], want)
          << "lane " << lane << " element " << i << " (row " << m << ", col " << n << ")";
    }
  }
}

TEST(Mma, Bf16FragmentsGiveThePlainMatrixProduct) {
  check_mma_against_product<__nv_bfloat16>();
}
TEST(Mma, F16FragmentsGiveThePlainMatrixProduct) {
  check_mma_against_product<__half>();
}

// Four 8x8 matrices of b16 values that encode their own position: matrix * 256 + row * 16 + col.
// Lane l gives the address of row l % 8 of matrix l / 8; rows are 16 bytes apart plus a gap,
// so the emulator must use each lane's own address.
template <int kMatrices, bool kTrans>
__global__ void run_ldmatrix(uint32_t* out) {
  __shared__ __align__(16) uint16_t tile[4][8][16];
  for (int i = threadIdx.x; i < 4 * 8 * 16; i += 32) {
    const int mat = i / 128, row = i / 16 % 8, col = i % 16;
    tile[mat][row][col] = static_cast<uint16_t>(mat * 256 + row * 16 + col);
  }
  __syncwarp();
  const int lane = threadIdx.x;
  const void* row = &tile[(lane / 8) % kMatrices][lane % 8][0];
  uint32_t r[kMatrices];
  if (kMatrices == 1 && !kTrans) linact::ldmatrix_x1(reinterpret_cast<uint32_t(&)[1]>(r), row);
  if (kMatrices == 2 && !kTrans) linact::ldmatrix_x2(reinterpret_cast<uint32_t(&)[2]>(r), row);
  if (kMatrices == 4 && !kTrans) linact::ldmatrix_x4(reinterpret_cast<uint32_t(&)[4]>(r), row);
  if (kMatrices == 1 && kTrans) linact::ldmatrix_x1_trans(reinterpret_cast<uint32_t(&)[1]>(r), row);
  if (kMatrices == 2 && kTrans) linact::ldmatrix_x2_trans(reinterpret_cast<uint32_t(&)[2]>(r), row);
  if (kMatrices == 4 && kTrans) linact::ldmatrix_x4_trans(reinterpret_cast<uint32_t(&)[4]>(r), row);
  for (int i = 0; i < kMatrices; ++i)
    out[lane * kMatrices + i] = r[i];
}

// PTX ISA, ldmatrix: thread l receives elements (l / 4, 2 * (l % 4)) and (l / 4, 2 * (l % 4) + 1)
// of each matrix; with .trans, of the transposed matrix.
template <int kMatrices, bool kTrans>
void check_ldmatrix() {
  DeviceBuffer<uint32_t> out(32 * kMatrices);
  LINACT_LAUNCH(1, 32, 0, nullptr, run_ldmatrix<kMatrices, kTrans>)(out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (int lane = 0; lane < 32; ++lane) {
    for (int mat = 0; mat < kMatrices; ++mat) {
      uint32_t want = 0;
      for (int h = 0; h < 2; ++h) {
        int row = lane / 4, col = 2 * (lane % 4) + h;
        if (kTrans) std::swap(row, col);
        want |= static_cast<uint32_t>(mat * 256 + row * 16 + col) << (16 * h);
      }
      ASSERT_EQ(got[lane * kMatrices + mat], want) << "lane " << lane << " matrix " << mat;
    }
  }
}

TEST(Ldmatrix, X1DistributesTheMatrixAsTheIsaShows) {
  check_ldmatrix<1, false>();
}
TEST(Ldmatrix, X2DistributesBothMatrices) {
  check_ldmatrix<2, false>();
}
TEST(Ldmatrix, X4DistributesAllFourMatrices) {
  check_ldmatrix<4, false>();
}
TEST(Ldmatrix, X1TransDistributesTheTransposedMatrix) {
  check_ldmatrix<1, true>();
}
TEST(Ldmatrix, X2TransDistributesBothTransposedMatrices) {
  check_ldmatrix<2, true>();
}
TEST(Ldmatrix, X4TransDistributesAllFourTransposedMatrices) {
  check_ldmatrix<4, true>();
}

// The usual tensor-core pattern: ldmatrix.x4 of a row-major 16x16 A tile and ldmatrix.x2.trans
// of a row-major 16x8 B tile give exactly the fragments mma.m16n8k16 expects.
__global__ void ldmatrix_then_mma(const __nv_bfloat16* a, const __nv_bfloat16* b, float* d) {
  __shared__ __align__(16) __nv_bfloat16 as[16][16];
  __shared__ __align__(16) __nv_bfloat16 bs[16][8];
  const int lane = threadIdx.x;
  for (int i = lane; i < 256; i += 32)
    as[i / 16][i % 16] = a[i];
  for (int i = lane; i < 128; i += 32)
    bs[i / 8][i % 8] = b[i];
  __syncwarp();
  uint32_t af[4], bf[2];
  linact::ldmatrix_x4(af, &as[lane % 16][(lane / 16) * 8]);
  linact::ldmatrix_x2_trans(bf, &bs[lane % 16][0]);
  const float c[4] = {0, 0, 0, 0};
  float dr[4];
  linact::mma_m16n8k16<__nv_bfloat16>(dr, af, bf, c);
  const int g = lane / 4, q = lane % 4;
  d[g * 8 + 2 * q] = dr[0];
  d[g * 8 + 2 * q + 1] = dr[1];
  d[(g + 8) * 8 + 2 * q] = dr[2];
  d[(g + 8) * 8 + 2 * q + 1] = dr[3];
}

TEST(Mma, LdmatrixFragmentsOfRowMajorTilesGiveTheProduct) {
  std::vector<__nv_bfloat16> a(256), b(128);
  std::vector<float> af(256), bf(128);
  for (int i = 0; i < 256; ++i)
    a[i] = af[i] = static_cast<float>(i % 9 - 4);
  for (int i = 0; i < 128; ++i)
    b[i] = bf[i] = static_cast<float>(i % 5 - 2);
  DeviceBuffer<__nv_bfloat16> da(256), db(128);
  DeviceBuffer<float> dd(128);
  da.upload(a);
  db.upload(b);
  LINACT_LAUNCH(1, 32, 0, nullptr, ldmatrix_then_mma)(da.get(), db.get(), dd.get());
  EMU_CHECK(cudaGetLastError());
  std::vector<float> want(128, 0.0f);
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n)
      for (int k = 0; k < 16; ++k)
        want[m * 8 + n] += af[m * 16 + k] * bf[k * 8 + n];
  EXPECT_TRUE(all_close(dd.download(), want, 0.0f));
}

// Each thread copies 16, 8 and 4 bytes; reads before the wait see 0xFF bytes (NaN), reads after
// the covering wait see the data. Two groups: wait<1> completes only the first.
__global__ void cp_async_poisoning(const float* src, float* before, float* middle, float* after) {
  __shared__ __align__(16) float first[32][4];
  __shared__ __align__(16) float second[32][4];
  const int t = threadIdx.x;
  linact::cp_async_16(&first[t][0], src + 4 * t);
  linact::cp_async_commit();
  linact::cp_async_8(&second[t][0], src + 128 + 2 * t);
  linact::cp_async_4(&second[t][2], src + 192 + t);
  linact::cp_async_commit();
  for (int i = 0; i < 4; ++i)
    before[4 * t + i] = first[t][i];
  linact::cp_async_wait<1>();
  for (int i = 0; i < 4; ++i)
    middle[4 * t + i] = i < 3 ? second[t][i] : first[t][i];
  linact::cp_async_wait<0>();
  for (int i = 0; i < 3; ++i)
    after[3 * t + i] = second[t][i];
}

TEST(CpAsync, DestinationReadsNanUntilTheCoveringWait) {
  std::vector<float> src(224);
  for (int i = 0; i < 224; ++i)
    src[i] = static_cast<float>(i);
  DeviceBuffer<float> dsrc(224), before(128), middle(128), after(96);
  dsrc.upload(src);
  LINACT_LAUNCH(1, 32, 0, nullptr, cp_async_poisoning)
  (dsrc.get(), before.get(), middle.get(), after.get());
  EMU_CHECK(cudaGetLastError());
  const auto b = before.download(), m = middle.download(), a = after.download();
  for (int t = 0; t < 32; ++t) {
    for (int i = 0; i < 4; ++i)
      EXPECT_TRUE(std::isnan(b[4 * t + i])) << "before, thread " << t;
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(std::isnan(m[4 * t + i])) << "second group, thread " << t;
    EXPECT_EQ(m[4 * t + 3], src[4 * t + 3]) << "first group, thread " << t;
    EXPECT_EQ(a[3 * t + 0], src[128 + 2 * t]) << "after, thread " << t;
    EXPECT_EQ(a[3 * t + 1], src[128 + 2 * t + 1]) << "after, thread " << t;
    EXPECT_EQ(a[3 * t + 2], src[192 + t]) << "after, thread " << t;
  }
}

__global__ void cp_async_zero_fill(const float* src, float* out) {
  __shared__ __align__(16) float buf[32][4];
  const int t = threadIdx.x;
  linact::cp_async_16(&buf[t][0], src + 4 * t, 4 * (t % 5 < 4 ? t % 5 : 4));
  linact::cp_async_commit();
  linact::cp_async_wait<0>();
  for (int i = 0; i < 4; ++i)
    out[4 * t + i] = buf[t][i];
}

TEST(CpAsync, SourceSizeBelowTheCopyZeroFillsTheRest) {
  std::vector<float> src(128, 7.0f);
  DeviceBuffer<float> dsrc(128), out(128);
  dsrc.upload(src);
  LINACT_LAUNCH(1, 32, 0, nullptr, cp_async_zero_fill)(dsrc.get(), out.get());
  EMU_CHECK(cudaGetLastError());
  const auto got = out.download();
  for (int t = 0; t < 32; ++t) {
    const int copied = t % 5 < 4 ? t % 5 : 4;
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(got[4 * t + i], i < copied ? 7.0f : 0.0f) << "thread " << t << " element " << i;
    }
  }
}

__global__ void ldmatrix_misaligned(uint32_t* out) {
  __shared__ __align__(16) uint16_t tile[8][16];
  for (int i = threadIdx.x; i < 128; i += 32)
    (&tile[0][0])[i] = 0;
  __syncwarp();
  uint32_t r[1];
  // Row 5 starts 2 bytes late.
  const uint16_t* row = threadIdx.x == 5 ? &tile[5][1] : &tile[threadIdx.x % 8][0];
  linact::ldmatrix_x1(r, row);
  out[threadIdx.x] = r[0];
}

TEST(PtxDeathTest, LdmatrixOnARowThatIsNot16ByteAlignedIsReported) {
  DeviceBuffer<uint32_t> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, ldmatrix_misaligned)(out.get()),
               "ldmatrix row address .* \\(matrix 0, row 5, given by lane 5\\) is not 16-byte "
               "aligned(.|\n)*thread \\(5, 0, 0\\)(.|\n)*ptx_test.cpp");
}

__global__ void mma_diverged(float* out) {
  const uint32_t a[4] = {0, 0, 0, 0}, b[2] = {0, 0};
  const float c[4] = {0, 0, 0, 0};
  float d[4];
  if (threadIdx.x < 16) {
    linact::mma_m16n8k16<__half>(d, a, b, c);
  } else {
    linact::mma_m16n8k16<__half>(d, a, b, c);
  }
  out[threadIdx.x] = d[0];
}

TEST(PtxDeathTest, MmaFromANonConvergedWarpIsReported) {
  DeviceBuffer<float> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, mma_diverged)(out.get()),
               "non-converged warp: mma.sync with mask 0xffffffff, while lane .* waits at "
               "mma.sync .*ptx_test.cpp");
}

__global__ void ldmatrix_with_exited_lane(uint32_t* out) {
  __shared__ __align__(16) uint16_t tile[8][8];
  if (threadIdx.x == 30) return;
  uint32_t r[1];
  linact::ldmatrix_x1(r, &tile[threadIdx.x % 8][0]);
  out[threadIdx.x] = r[0];
}

TEST(PtxDeathTest, LdmatrixWithALaneMissingIsReported) {
  DeviceBuffer<uint32_t> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, ldmatrix_with_exited_lane)(out.get()),
               "lane missing from a warp collective(.|\n)*ldmatrix");
}

__global__ void ldmatrix_diverged(uint32_t* out) {
  __shared__ __align__(16) uint16_t tile[8][8];
  for (int i = threadIdx.x; i < 64; i += 32)
    (&tile[0][0])[i] = 0;
  __syncwarp();
  uint32_t r[1];
  if (threadIdx.x < 16) {
    linact::ldmatrix_x1(r, &tile[threadIdx.x % 8][0]);
  } else {
    linact::ldmatrix_x1(r, &tile[threadIdx.x % 8][0]);
  }
  out[threadIdx.x] = r[0];
}

TEST(PtxDeathTest, LdmatrixFromANonConvergedWarpIsReported) {
  DeviceBuffer<uint32_t> out(32);
  EXPECT_DEATH(LINACT_LAUNCH(1, 32, 0, nullptr, ldmatrix_diverged)(out.get()),
               "non-converged warp: ldmatrix with mask 0xffffffff, while lane .* waits at "
               "ldmatrix .*ptx_test.cpp");
}

__global__ void ldmatrix_from_global(const uint16_t* global, uint32_t* out) {
  uint32_t r[1];
  linact::ldmatrix_x1(r, global + 8 * (threadIdx.x % 8));
  out[threadIdx.x] = r[0];
}

TEST(PtxDeathTest, LdmatrixFromACudaMallocPointerIsReported) {
  DeviceBuffer<uint16_t> global(64);
  DeviceBuffer<uint32_t> out(32);
  EXPECT_DEATH(
      LINACT_LAUNCH(1, 32, 0, nullptr, ldmatrix_from_global)(global.get(), out.get()),
      "ldmatrix row address .* lies in a cudaMalloc allocation; ldmatrix reads shared memory "
      "only(.|\n)*ptx_test.cpp");
}

__global__ void cp_async_misaligned(const float* src, float* out) {
  __shared__ __align__(16) float tile[64];
  linact::cp_async_16(&tile[4 * threadIdx.x + (threadIdx.x == 3 ? 1 : 0)], src + 4 * threadIdx.x);
  linact::cp_async_commit();
  linact::cp_async_wait<0>();
  out[threadIdx.x] = tile[threadIdx.x];
}

TEST(PtxDeathTest, MisalignedCpAsyncIsReported) {
  DeviceBuffer<float> src(64), out(16);
  EXPECT_DEATH(LINACT_LAUNCH(1, 16, 0, nullptr, cp_async_misaligned)(src.get(), out.get()),
               "cp.async of 16 bytes from .* to .*: both addresses must be 16-byte "
               "aligned(.|\n)*thread \\(3, 0, 0\\)(.|\n)*ptx_test.cpp");
}

__global__ void cp_async_into_global(const float* src, float* dst) {
  linact::cp_async_16(dst + 4 * threadIdx.x, src + 4 * threadIdx.x);
  linact::cp_async_commit();
  linact::cp_async_wait<0>();
}

TEST(PtxDeathTest, CpAsyncIntoACudaMallocPointerIsReported) {
  DeviceBuffer<float> src(64), dst(64);
  EXPECT_DEATH(LINACT_LAUNCH(1, 16, 0, nullptr, cp_async_into_global)(src.get(), dst.get()),
               "cp.async destination .* lies in a cudaMalloc allocation(.|\n)*ptx_test.cpp");
}

}  // namespace
