// The warp-level PTX operations on the CPU. Fragment layouts follow the PTX ISA's figures for
// mma.m16n8k16 (.bf16/.f16 inputs, .f32 accumulators) and ldmatrix .m8n8 .b16: with
// group = lane / 4 and quad = lane % 4,
//   A (16x16, row-major):  a[0] = A[g][2q..2q+1]    a[1] = A[g+8][2q..2q+1]
//                          a[2] = A[g][2q+8..2q+9]  a[3] = A[g+8][2q+8..2q+9]
//   B (16x8, column):      b[0] = B[2q..2q+1][g]    b[1] = B[2q+8..2q+9][g]
//   C, D (16x8):           c[0..1] = C[g][2q..2q+1] c[2..3] = C[g+8][2q..2q+1]
// with the lower-numbered element in the low 16 bits of each register.
#include <cstring>

#include "linact_emu/half.h"
#include "linact_emu/ptx.h"
#include "scheduler.h"

namespace linact_emu {
namespace {

constexpr unsigned kFullMask = 0xffffffffu;

struct MmaOperands {
  const uint32_t* a;
  const uint32_t* b;
  const float* c;
};

float element(uint32_t reg, int half, MmaInput input) {
  const auto bits = static_cast<uint16_t>(half == 0 ? reg & 0xffffu : reg >> 16);
  return input == MmaInput::kBf16 ? bf16_bits_to_float(bits) : half_bits_to_float(bits);
}

}  // namespace

void complete_mma(Thread* const* lanes) {
  const auto input = static_cast<MmaInput>(lanes[0]->arg);
  float a[16][16], b[16][8], c[16][8];
  for (int lane = 0; lane < 32; ++lane) {
    const auto* ops = static_cast<const MmaOperands*>(lanes[lane]->in);
    const int g = lane / 4, q = lane % 4;
    for (int h = 0; h < 2; ++h) {
      a[g][2 * q + h] = element(ops->a[0], h, input);
      a[g + 8][2 * q + h] = element(ops->a[1], h, input);
      a[g][2 * q + 8 + h] = element(ops->a[2], h, input);
      a[g + 8][2 * q + 8 + h] = element(ops->a[3], h, input);
      b[2 * q + h][g] = element(ops->b[0], h, input);
      b[2 * q + 8 + h][g] = element(ops->b[1], h, input);
      c[g][2 * q + h] = ops->c[h];
      c[g + 8][2 * q + h] = ops->c[2 + h];
    }
  }
  // Products of 16-bit inputs are exact in fp32; the sum runs in k order in fp32. A tensor core
  // adds in an unspecified order, so results may differ from a GPU in the last bits.
  float d[16][8];
  for (int m = 0; m < 16; ++m) {
    for (int n = 0; n < 8; ++n) {
      float acc = c[m][n];
      for (int k = 0; k < 16; ++k)
        acc = fmaf(a[m][k], b[k][n], acc);
      d[m][n] = acc;
    }
  }
  for (int lane = 0; lane < 32; ++lane) {
    auto* out = static_cast<float*>(lanes[lane]->out);
    const int g = lane / 4, q = lane % 4;
    out[0] = d[g][2 * q];
    out[1] = d[g][2 * q + 1];
    out[2] = d[g + 8][2 * q];
    out[3] = d[g + 8][2 * q + 1];
  }
}

void complete_ldmatrix(Thread* const* lanes) {
  const int matrices = lanes[0]->arg & 0xff;
  const bool trans = (lanes[0]->arg >> 8) != 0;
  uint16_t m[4][8][8];
  for (int i = 0; i < matrices; ++i) {
    for (int r = 0; r < 8; ++r) {
      const Thread* t = lanes[8 * i + r];
      const auto addr = reinterpret_cast<uintptr_t>(t->in);
      if (addr % 16 != 0) {
        fail(t, t->file, t->line,
             "ldmatrix row address %p (matrix %d, row %d, given by lane %u) is not 16-byte "
             "aligned; every row of an 8x8 b16 matrix must start on a 16-byte boundary",
             t->in, i, r, t->lane);
      }
      if (is_global_memory(t->in)) {
        fail(t, t->file, t->line,
             "ldmatrix row address %p (matrix %d, row %d, given by lane %u) lies in a cudaMalloc "
             "allocation; ldmatrix reads shared memory only",
             t->in, i, r, t->lane);
      }
      std::memcpy(m[i][r], t->in, 16);
    }
  }
  for (int lane = 0; lane < 32; ++lane) {
    auto* regs = static_cast<uint32_t*>(lanes[lane]->out);
    const int row = lane / 4, col = 2 * (lane % 4);
    for (int i = 0; i < matrices; ++i) {
      const uint16_t lo = trans ? m[i][col][row] : m[i][row][col];
      const uint16_t hi = trans ? m[i][col + 1][row] : m[i][row][col + 1];
      regs[i] = static_cast<uint32_t>(lo) | static_cast<uint32_t>(hi) << 16;
    }
  }
}

void mma_m16n8k16(MmaInput input, float* d, const uint32_t* a, const uint32_t* b, const float* c,
                  const char* file, int line) {
  const MmaOperands ops{a, b, c};
  collective(WarpOp::kMma, kFullMask, 0, static_cast<int>(input), 32, &ops, d, file, line);
}

void ldmatrix(int matrices, bool trans, uint32_t* regs, const void* row, const char* file,
              int line) {
  collective(WarpOp::kLdmatrix, kFullMask, 0, matrices | (trans ? 0x100 : 0), 32, row, regs, file,
             line);
}

void cp_async(void* dst, const void* src, int bytes, int src_bytes, const char* file, int line) {
  Thread* self = current_thread("cp.async", file, line);
  if (bytes != 4 && bytes != 8 && bytes != 16) {
    fail(self, file, line, "cp.async of %d bytes; the size must be 4, 8 or 16", bytes);
  }
  if (src_bytes < 0 || src_bytes > bytes) {
    fail(self, file, line, "cp.async with src-size %d; it must lie in [0, %d]", src_bytes, bytes);
  }
  const auto d = reinterpret_cast<uintptr_t>(dst);
  const auto s = reinterpret_cast<uintptr_t>(src);
  if (d % static_cast<unsigned>(bytes) != 0 ||
      (src_bytes > 0 && s % static_cast<unsigned>(bytes) != 0)) {
    fail(self, file, line,
         "cp.async of %d bytes from %p to %p: both addresses must be %d-byte aligned", bytes, src,
         dst, bytes);
  }
  if (is_global_memory(dst)) {
    fail(self, file, line,
         "cp.async destination %p lies in a cudaMalloc allocation; the destination must be "
         "shared memory",
         dst);
  }
  PendingCopy copy{};
  copy.dst = static_cast<unsigned char*>(dst);
  copy.size = static_cast<unsigned>(bytes);
  copy.group = self->committed_groups;
  if (src_bytes > 0) std::memcpy(copy.bytes, src, static_cast<size_t>(src_bytes));
  self->copies.push_back(copy);
  std::memset(dst, 0xff, static_cast<size_t>(bytes));
}

void cp_async_commit(const char* file, int line) {
  ++current_thread("cp.async.commit_group", file, line)->committed_groups;
}

void cp_async_wait(int pending_groups, const char* file, int line) {
  Thread* self = current_thread("cp.async.wait_group", file, line);
  if (pending_groups < 0) {
    fail(self, file, line, "cp.async.wait_group %d; the count must not be negative",
         pending_groups);
  }
  const long done = static_cast<long>(self->committed_groups) - pending_groups;
  auto& copies = self->copies;
  size_t kept = 0;
  for (size_t i = 0; i < copies.size(); ++i) {
    if (static_cast<long>(copies[i].group) < done) {
      std::memcpy(copies[i].dst, copies[i].bytes, copies[i].size);
    } else {
      copies[kept++] = copies[i];
    }
  }
  copies.resize(kept);
}

}  // namespace linact_emu
