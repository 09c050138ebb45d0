// The operand tiles of the shared main loop (kernels/tile_gemm.cuh): every thread's units cover
// the tile exactly once, and the stores to shared memory of each warp touch every bank at most
// once per instruction. Bank conflicts cannot be timed here; they follow from the addresses, so
// this test computes them from the same unit_position the kernels use, and the 32-byte sectors
// each warp load reads.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tile_gemm.cuh"

namespace linact::test {
namespace {

using kernels::Major;
using kernels::OperandTile;

constexpr int kWarp = 32;
constexpr int kBanks = 32;

const char* major_name(Major m) {
  return m == Major::kReduction ? "reduction" : "output";
}

// Each (row, col..col+3) unit of the tile is fetched and stored by exactly one (thread, unit).
template <int TileO, int TileR, int Threads, Major kMajor>
void expect_units_cover_tile_once() {
  using Tile = OperandTile<TileO, TileR, Threads, kMajor>;
  const int rows = kMajor == Major::kReduction ? TileO : TileR;
  const int cols = kMajor == Major::kReduction ? TileR : TileO;
  std::vector<int> hits(rows * cols, 0);
  for (int tid = 0; tid < Threads; ++tid) {
    for (int u = 0; u < Tile::kUnits; ++u) {
      int row, col;
      Tile::unit_position(tid + u * Threads, row, col);
      ASSERT_TRUE(row >= 0 && row < rows && col >= 0 && col + 4 <= cols && col % 4 == 0)
          << "thread " << tid << " unit " << u << " at (" << row << ", " << col << ")";
      for (int k = 0; k < 4; ++k)
        ++hits[row * cols + col + k];
    }
  }
  for (int i = 0; i < rows * cols; ++i)
    EXPECT_EQ(hits[i], 1) << major_name(kMajor) << " tile " << TileO << "x" << TileR
                          << ": element (" << i / cols << ", " << i % cols << ")";
}

// The most threads of one warp that one store instruction sends to the same bank. A transposed
// (kReduction) unit is stored as four scalar stores, k = 0..3; a kOutput unit as one float4,
// which the hardware splits into quarter-warp phases of 8 threads (128 bytes each).
template <int TileO, int TileR, int Threads, Major kMajor>
int worst_bank_sharing() {
  using Tile = OperandTile<TileO, TileR, Threads, kMajor>;
  int worst = 0;
  for (int warp = 0; warp < Threads / kWarp; ++warp) {
    for (int u = 0; u < Tile::kUnits; ++u) {
      if constexpr (kMajor == Major::kReduction) {
        for (int k = 0; k < 4; ++k) {
          std::vector<int> per_bank(kBanks, 0);
          for (int lane = 0; lane < kWarp; ++lane) {
            int row, col;
            Tile::unit_position(warp * kWarp + lane + u * Threads, row, col);
            const int word = (col + k) * Tile::kStride + row;
            worst = std::max(worst, ++per_bank[word % kBanks]);
          }
        }
      } else {
        for (int phase = 0; phase < 4; ++phase) {
          std::vector<int> per_bank(kBanks, 0);
          for (int lane = phase * 8; lane < phase * 8 + 8; ++lane) {
            int row, col;
            Tile::unit_position(warp * kWarp + lane + u * Threads, row, col);
            for (int k = 0; k < 4; ++k) {
              const int word = row * Tile::kStride + col + k;
              worst = std::max(worst, ++per_bank[word % kBanks]);
            }
          }
        }
      }
    }
  }
  return worst;
}

// The most 32-byte sectors one warp's float4 global load of a transposed tile touches, for rows
// `ld` floats apart starting on a sector.
template <int TileO, int TileR, int Threads>
int worst_sectors_per_load(int ld) {
  using Tile = OperandTile<TileO, TileR, Threads, Major::kReduction>;
  int worst = 0;
  for (int warp = 0; warp < Threads / kWarp; ++warp) {
    for (int u = 0; u < Tile::kUnits; ++u) {
      std::vector<int64_t> sectors;
      for (int lane = 0; lane < kWarp; ++lane) {
        int row, col;
        Tile::unit_position(warp * kWarp + lane + u * Threads, row, col);
        const int64_t byte = (int64_t{row} * ld + col) * 4;
        sectors.push_back(byte / 32);
        sectors.push_back((byte + 15) / 32);
      }
      std::sort(sectors.begin(), sectors.end());
      const auto distinct = std::unique(sectors.begin(), sectors.end()) - sectors.begin();
      worst = std::max(worst, static_cast<int>(distinct));
    }
  }
  return worst;
}

template <class Cfg>
void check_config(const std::string& name) {
  SCOPED_TRACE(name);
  constexpr int kP = Cfg::kTileP, kQ = Cfg::kTileQ, kR = Cfg::kTileR, kT = Cfg::kThreads;
  expect_units_cover_tile_once<kP, kR, kT, Major::kReduction>();
  expect_units_cover_tile_once<kP, kR, kT, Major::kOutput>();
  expect_units_cover_tile_once<kQ, kR, kT, Major::kReduction>();
  expect_units_cover_tile_once<kQ, kR, kT, Major::kOutput>();
  EXPECT_EQ((worst_bank_sharing<kP, kR, kT, Major::kReduction>()), 1) << "A, transposed";
  EXPECT_EQ((worst_bank_sharing<kP, kR, kT, Major::kOutput>()), 1) << "A, along rows";
  EXPECT_EQ((worst_bank_sharing<kQ, kR, kT, Major::kReduction>()), 1) << "B, transposed";
  EXPECT_EQ((worst_bank_sharing<kQ, kR, kT, Major::kOutput>()), 1) << "B, along rows";
  // 32 float4 = 512 bytes: 16 sectors is the least a load can touch, reached when rows are
  // sector-aligned (ld a multiple of 8), as for 128- and 784-wide layers.
  for (int ld : {128, 784}) {
    EXPECT_EQ((worst_sectors_per_load<kP, kR, kT>(ld)), 16) << "A, ld " << ld;
    EXPECT_EQ((worst_sectors_per_load<kQ, kR, kT>(ld)), 16) << "B, ld " << ld;
  }
}

TEST(TileGemm, LargeTileUnitsCoverTileAndStoresAreConflictFree) {
  check_config<kernels::LargeTile>("LargeTile");
}

TEST(TileGemm, MediumTileUnitsCoverTileAndStoresAreConflictFree) {
  check_config<kernels::MediumTile>("MediumTile");
}

TEST(TileGemm, SmallTileUnitsCoverTileAndStoresAreConflictFree) {
  check_config<kernels::SmallTile>("SmallTile");
}

}  // namespace
}  // namespace linact::test
