# The linact-gan command end to end on the real data: a one-epoch run, sampling from its
# checkpoint, and --help of every subcommand. Run by CTest as
#   cmake -DGAN=<linact-gan> -DOUT=<scratch folder> -DDATA=<Fashion-MNIST folder> -P <this file>
foreach(var GAN OUT DATA)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli smoke: -D${var}=... is missing")
  endif()
endforeach()
if(NOT EXISTS "${DATA}/train-images-idx3-ubyte.gz")
  message(FATAL_ERROR "cli smoke: ${DATA}/train-images-idx3-ubyte.gz is absent: install "
                      "Debian's dataset-fashion-mnist (scripts/install-deps.sh does)")
endif()

# run(<what> <args>...): runs linact-gan with the args and stops the test, showing its output,
# unless it exits 0. Its standard output is left in `out`.
function(run what)
  execute_process(COMMAND ${GAN} ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "cli smoke: ${what} exited with '${status}'\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

function(require_file path)
  if(NOT EXISTS "${path}")
    message(FATAL_ERROR "cli smoke: ${path} was not written")
  endif()
endfunction()

file(REMOVE_RECURSE "${OUT}")
run("train" train --backend cpu --epochs 1 --limit 256 --score-samples 0 --data "${DATA}"
    --out "${OUT}")
foreach(name epoch_001.ckpt samples_epoch_001.png metrics.jsonl)
  require_file("${OUT}/${name}")
endforeach()

run("sample" sample --backend cpu --checkpoint "${OUT}/epoch_001.ckpt" --count 5
    --out "${OUT}/s.idx")
require_file("${OUT}/s.idx")
# 16 header bytes and 5 images of 28x28 bytes.
file(SIZE "${OUT}/s.idx" size)
if(NOT size EQUAL 3936)
  message(FATAL_ERROR "cli smoke: ${OUT}/s.idx has ${size} bytes, 5 images need 3936")
endif()

# Each subcommand's --help lists its own options.
set(train_options --epochs --batch-size --backend --seed --config --resume --out)
set(sample_options --checkpoint --count --out)
set(score_options --images --score-samples)
foreach(command train sample score)
  run("${command} --help" ${command} --help)
  foreach(option ${${command}_options})
    string(FIND "${out}" "${option}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "cli smoke: '${command} --help' does not list ${option}:\n${out}")
    endif()
  endforeach()
endforeach()
file(REMOVE_RECURSE "${OUT}")
message("cli smoke: passed")
